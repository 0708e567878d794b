// Start the course kernel and talk to it: a small Jupyter client over zeromq.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dealer, Subscriber } from "zeromq";
import { signalQuietly } from "../foundation/processes";
import { registerCleanup } from "./cleanup";
import { shadowPath, toolsToHide } from "./hide-tools";
import { ownedPrefix } from "./stale-folders";
import { decode, encode, isRefused, newMessage, type Message } from "./protocol";
import { courseRoot } from "../foundation/layout";

/** The launcher of the course kernel in a course folder (the real one, or a temporary copy). */
export function launcherIn(root: string): string {
  return path.join(root, "course", "kernel", "launch.cjs");
}

interface Connection {
  ip: string;
  transport: "tcp";
  signature_scheme: "hmac-sha256";
  key: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

const PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;

type Listener = (message: Message) => void;

export interface KernelOptions {
  /** The course folder whose launcher to run (default: this course). */
  root?: string | undefined;
  /** Extra environment for the kernel (COURSE_SCRATCH...). */
  env?: NodeJS.ProcessEnv;
  /** The command to start instead of the course launcher; the connection file is appended (tests use a fake kernel). */
  command?: string[] | undefined;
  /** How long the kernel may take to bind its sockets. */
  startTimeoutMs?: number;
}

/** How a kernel process ended, in the words the report uses. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `kernel died (signal ${signal})` : `kernel died (exit code ${code})`;
}

/** A running kernel: its process, its sockets, and the listeners waiting for its messages. */
export class Kernel {
  private readonly session = randomUUID();
  private readonly shell = new Dealer();
  private readonly control = new Dealer();
  private readonly iopub = new Subscriber();
  /** Listeners by the msg_id of the request their messages answer. */
  private readonly listeners = new Map<string, Listener>();
  private readonly exited: Promise<void>;
  private faultReason: string | undefined;
  private reportFault!: (reason: string) => void;
  /**
   * Settles with a sentence as soon as the kernel can no longer be trusted to answer: it died
   * (exit code or signal), or it sent a message with a bad signature. Never rejects.
   */
  readonly fault: Promise<string>;
  private readonly unregister: () => void;

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: Connection,
    private readonly tempDir: string,
    readonly stderr: () => string,
  ) {
    this.fault = new Promise((resolve) => (this.reportFault = resolve));
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.setFault(describeExit(code, signal));
        resolve();
      }),
    );
    // Ctrl-C, SIGTERM, SIGHUP or an exit of the runner: the kernel's whole group goes at once.
    this.unregister = registerCleanup(() => {
      signalQuietly(-this.pid, "SIGKILL");
      rmSync(this.tempDir, { recursive: true, force: true });
    });
  }

  private setFault(reason: string): void {
    if (this.faultReason !== undefined) return;
    this.faultReason = reason;
    this.reportFault(reason);
  }

  /** Start the course kernel from any working directory; resolves once it has bound its ports. */
  static async start(options: KernelOptions = {}): Promise<Kernel> {
    const tempDir = mkdtempSync(path.join(os.tmpdir(), ownedPrefix("kernel")));
    // Port 0: the kernel binds to ports the OS picks and writes them back, so none can be taken
    // between our choice and its bind (the race of "find a free port, then start the kernel").
    const connection: Connection = {
      ip: "127.0.0.1",
      transport: "tcp",
      signature_scheme: "hmac-sha256",
      key: randomBytes(32).toString("hex"),
      shell_port: 0,
      iopub_port: 0,
      stdin_port: 0,
      control_port: 0,
      hb_port: 0,
    };
    const file = path.join(tempDir, "connection.json");
    writeFileSync(file, JSON.stringify(connection), { mode: 0o600 });
    const env = { ...process.env, ...options.env };
    // The kernel's parent poller watches this runner; a Jupyter server's pid inherited from a
    // terminal opened in Jupyter is not its front end.
    delete env.JPY_PARENT_PID;
    const hidden = toolsToHide(env);
    if (hidden.length > 0) {
      const bin = path.join(tempDir, "bin");
      mkdirSync(bin);
      env.PATH = shadowPath(hidden, bin, env.PATH);
    }
    const [command, ...args] = options.command ?? [process.execPath, launcherIn(options.root ?? courseRoot)];
    // Its own process group, so a timeout can interrupt or kill everything the notebook started.
    const child = spawn(command!, [...args, file], { detached: true, stdio: ["ignore", "ignore", "pipe"], env });
    child.on("error", () => undefined); // reported through "exit"
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    const kernel = new Kernel(child, connection, tempDir, () => stderr);
    try {
      await kernel.readPorts(file, options.startTimeoutMs ?? 60_000);
    } catch (err) {
      await kernel.shutdown(0);
      throw err;
    }
    kernel.connect();
    return kernel;
  }

  /** Wait until the kernel has written the ports it bound into the connection file. */
  private async readPorts(file: string, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.faultReason !== undefined) throw new Error(`the kernel did not start: ${this.faultReason}\n${this.stderr()}`);
      try {
        const written = JSON.parse(readFileSync(file, "utf8")) as Partial<Connection>;
        if (PORTS.every((port) => Number(written[port]) > 0)) {
          for (const port of PORTS) this.connection[port] = Number(written[port]);
          return;
        }
      } catch {
        // Being replaced right now (the kernel renames a complete file over it): read again.
      }
      if (performance.now() > deadline) throw new Error(`the kernel did not bind its ports within ${timeoutMs} ms:\n${this.stderr()}`);
      await Promise.race([delay(20), this.fault]);
    }
  }

  private connect(): void {
    const url = (port: number) => `tcp://${this.connection.ip}:${port}`;
    this.shell.connect(url(this.connection.shell_port));
    this.control.connect(url(this.connection.control_port));
    this.iopub.connect(url(this.connection.iopub_port));
    this.iopub.subscribe();
    void this.receive(this.shell);
    void this.receive(this.control);
    void this.receive(this.iopub);
  }

  private async receive(socket: Dealer | Subscriber): Promise<void> {
    try {
      for await (const frames of socket) {
        const message = decode(this.connection.key, frames);
        if (isRefused(message)) {
          this.setFault(`the kernel sent ${message.refused}; it was refused`);
          continue;
        }
        const parent = message.parent_header.msg_id;
        if (parent) this.listeners.get(parent)?.(message);
      }
    } catch {
      // The socket was closed: shutting down.
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Send a request and feed every message that answers it (on any channel) to
   * `onMessage` until `onMessage` returns true.
   */
  request(channel: "shell" | "control", msgType: string, content: object, onMessage: (m: Message) => boolean): Promise<void> {
    const message = newMessage(msgType, this.session, content);
    const id = message.header.msg_id;
    const done = new Promise<void>((resolve) => {
      this.listeners.set(id, (m) => {
        if (onMessage(m)) {
          this.listeners.delete(id);
          resolve();
        }
      });
    });
    const socket = channel === "shell" ? this.shell : this.control;
    void socket.send(encode(this.connection.key, message)).catch(() => undefined);
    return done;
  }

  /** Drop interest in every request (after a timeout). */
  forget(): void {
    this.listeners.clear();
  }

  /**
   * Wait until the kernel answers kernel_info on shell AND its status reaches us
   * on iopub: only then will no output be missed (a SUB socket drops what was
   * published before it connected). Retried, since early requests can be lost.
   */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      let replied = false;
      let statusSeen = false;
      const answered = this.request("shell", "kernel_info_request", {}, (m) => {
        if (m.header.msg_type === "kernel_info_reply") replied = true;
        if (m.header.msg_type === "status") statusSeen = true;
        return replied && statusSeen;
      });
      const outcome = await Promise.race([answered.then(() => "ok" as const), delay(500).then(() => "retry" as const), this.fault]);
      if (outcome === "ok") return;
      if (outcome !== "retry") throw new Error(`the kernel did not start: ${outcome}\n${this.stderr()}`);
    }
    this.forget();
    throw new Error(`the kernel did not answer within ${timeoutMs} ms:\n${this.stderr()}`);
  }

  /** SIGINT the kernel's process group: tslab's interrupt. */
  interrupt(): void {
    signalQuietly(-this.pid, "SIGINT");
  }

  /** Ask the kernel to shut down, then make sure its whole process group is gone. */
  async shutdown(graceMs = 3_000): Promise<void> {
    if (this.alive && graceMs > 0) {
      void this.request("control", "shutdown_request", { restart: false }, () => true);
      await Promise.race([this.exited, delay(graceMs)]);
    }
    // Whatever the notebook left in the kernel's group goes too.
    signalQuietly(-this.pid, "SIGKILL");
    await Promise.race([this.exited, delay(5_000)]);
    this.forget();
    this.shell.close();
    this.control.close();
    this.iopub.close();
    rmSync(this.tempDir, { recursive: true, force: true });
    this.unregister();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

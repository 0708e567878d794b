// Start the course kernel and talk to it: a small Jupyter client over zeromq.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Dealer, Subscriber } from "zeromq";
import { courseRoot } from "../impl";
import { signalQuietly } from "../testkit/processes";
import { decode, encode, newMessage, type Message } from "./protocol";

export const LAUNCHER = path.join(courseRoot, "course", "kernel", "launch.cjs");

/** Ask the OS for a free loopback port (it may be taken again before the kernel binds; rare). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
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

type Listener = (message: Message) => void;

/** A running kernel: its process, its sockets, and the listeners waiting for its messages. */
export class Kernel {
  private readonly session = randomUUID();
  private readonly shell = new Dealer();
  private readonly control = new Dealer();
  private readonly iopub = new Subscriber();
  /** Listeners by the msg_id of the request their messages answer. */
  private readonly listeners = new Map<string, Listener>();
  private exited: Promise<void>;

  private constructor(
    private readonly process: ChildProcess,
    private readonly connection: Connection,
    private readonly tempDir: string,
    readonly stderr: () => string,
  ) {
    this.exited = new Promise((resolve) => process.once("exit", () => resolve()));
  }

  /** Start the course kernel from any working directory. */
  static async start(): Promise<Kernel> {
    const tempDir = mkdtempSync(path.join(os.tmpdir(), "course-kernel-"));
    const connection: Connection = {
      ip: "127.0.0.1",
      transport: "tcp",
      signature_scheme: "hmac-sha256",
      key: randomBytes(32).toString("hex"),
      shell_port: await freePort(),
      iopub_port: await freePort(),
      stdin_port: await freePort(),
      control_port: await freePort(),
      hb_port: await freePort(),
    };
    const file = path.join(tempDir, "connection.json");
    writeFileSync(file, JSON.stringify(connection), { mode: 0o600 });
    chmodSync(file, 0o600);
    // Its own process group, so a timeout can interrupt or kill everything the notebook started.
    const child = spawn(process.execPath, [LAUNCHER, file], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    const kernel = new Kernel(child, connection, tempDir, () => stderr);
    kernel.connect();
    return kernel;
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
        const message = decode(frames);
        const parent = message?.parent_header.msg_id;
        if (message && parent) this.listeners.get(parent)?.(message);
      }
    } catch {
      // The socket was closed: shutting down.
    }
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /**
   * Send a request and feed every message that answers it (on any channel) to
   * `onMessage` until `onMessage` returns true. Returns the request's msg_id.
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

  /** Drop interest in a request (after a timeout). */
  forget(): void {
    this.listeners.clear();
  }

  /**
   * Wait until the kernel answers kernel_info on shell AND its status reaches us
   * on iopub: only then will no output be missed (a SUB socket drops what was
   * published before it connected). Retried, since early requests can be lost.
   */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the kernel exited while starting:\n${this.stderr()}`);
      let replied = false;
      let statusSeen = false;
      const answered = this.request("shell", "kernel_info_request", {}, (m) => {
        if (m.header.msg_type === "kernel_info_reply") replied = true;
        if (m.header.msg_type === "status") statusSeen = true;
        return replied && statusSeen;
      });
      const ok = await Promise.race([answered.then(() => true), delay(500).then(() => false)]);
      if (ok) return;
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
    if (this.alive) {
      void this.request("control", "shutdown_request", { restart: false }, () => true);
      await Promise.race([this.exited, delay(graceMs)]);
    }
    // Whatever the notebook left in the kernel's group goes too.
    signalQuietly(-this.pid, "SIGTERM");
    await Promise.race([this.exited, delay(graceMs)]);
    signalQuietly(-this.pid, "SIGKILL");
    this.forget();
    this.shell.close();
    this.control.close();
    this.iopub.close();
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

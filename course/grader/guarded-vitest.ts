// vitest under the guard (guard.ts): started in its own process group, its results channel read,
// its output's end kept, its end awaited, and the watchdog (watchdog.ts) over it. `vitest run`
// (run-lab.ts) and the warm vitest of watch mode (warm-lab.ts) are both started this way.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { courseRoot } from "../foundation/layout";
import { killGroup } from "../foundation/processes";
import { becomeSubreaper } from "../foundation/subreaper";
import { tsNodeArgs } from "../foundation/run-typescript";
import type { RunProcesses } from "./processes";
import { watchRun, type StopReason } from "./watchdog";

/** How processes were contained and found. */
export interface Containment {
  /** "subreaper": every descendant is found; "groups only": orphans go to pid 1, found by process group and marker. */
  kind: "subreaper" | "groups only";
  /** Which mechanism ran, in a sentence. */
  mechanism: string;
}

const guardScript = path.join(courseRoot, "course/grader/guard.ts");

/** When to stop a run: its time limit, and the silence allowed to a test process. */
export interface Watch {
  traceDir: string;
  processes: RunProcesses;
  wallTimeoutMs: number;
  stallTimeoutMs: number;
  signal: AbortSignal | undefined;
}

/** The end of a stream's text (vitest prints little: the grader's reporter replaces its console output). */
export class OutputTail {
  private text = "";
  /** Characters dropped from the front so far: marks stay valid as the text is cut. */
  private dropped = 0;
  constructor(private readonly limit = 8_000) {}
  add(chunk: Buffer): void {
    const whole = this.text + chunk.toString("utf8");
    this.text = whole.slice(-this.limit);
    this.dropped += whole.length - this.text.length;
  }
  /** Where the text ends now: `since(mark())` later is what came after. */
  mark(): number {
    return this.dropped + this.text.length;
  }
  since(mark: number): string {
    return this.text.slice(Math.max(0, mark - this.dropped)).trim();
  }
  toString(): string {
    return this.text.trim();
  }
}

/** What came over the results channel so far, and ways to wait for more. */
export class Channel {
  private text = "";
  /** Characters let go from the front (forget()): marks stay valid. */
  private dropped = 0;
  private done = false;
  private readonly decoder = new StringDecoder("utf8");
  private readonly finished: Promise<void>;
  private readonly waiters = new Set<() => void>();

  constructor(stream: Readable) {
    this.finished = new Promise<void>((resolve) => {
      stream.on("data", (chunk: Buffer) => {
        this.text += this.decoder.write(chunk);
        for (const wake of this.waiters) wake();
      });
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", () => resolve());
    }).then(() => {
      this.done = true;
      for (const wake of this.waiters) wake();
    });
  }

  /** Where the text ends now: `since(mark())` later is what came after. */
  mark(): number {
    return this.dropped + this.text.length;
  }

  since(mark = 0): string {
    return this.text.slice(Math.max(0, mark - this.dropped));
  }

  /** Let go of the text before `mark` (a warm vitest's earlier runs: a watch session may last hours). */
  forget(mark: number): void {
    const cut = Math.min(this.text.length, Math.max(0, mark - this.dropped));
    this.text = this.text.slice(cut);
    this.dropped += cut;
  }

  /** Resolves when the channel has ended (every writer is gone), or after `timeoutMs`. */
  async ended(timeoutMs: number): Promise<void> {
    if (this.done) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Resolves when the reporter's "run-end" line has come after `mark`, or the channel has ended. */
  runEnd(mark: number): Promise<void> {
    const seen = (): boolean => this.done || /^\{"type":"run-end"\}$/m.test(this.since(mark));
    if (seen()) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (!seen()) return;
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }
}

/** JSON lines from the guard's stdout, to `onMessage`. */
function guardMessages(guard: ChildProcess, onMessage: (message: Record<string, unknown>) => void): void {
  let pending = "";
  guard.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        onMessage(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not from the guard: nothing else writes there.
      }
    }
  });
}

/** How vitest's main process ended, as the guard saw it (or that the guard itself went). */
export interface GuardedEnd {
  code: number | null;
  signal: string | null;
  guardDied?: string;
}

/** A vitest (`vitest run`, or a warm vitest) started under the guard, in its own process group. */
export class GuardedVitest {
  readonly guard: ChildProcess;
  readonly results: Channel;
  readonly output = new OutputTail();
  /** The grader's commands (a warm vitest only). */
  readonly commands: Writable | undefined;
  /** Resolves when vitest's main process has ended (or the guard has). */
  readonly ended: Promise<GuardedEnd>;
  /** Set once the guard has said vitest's pid. */
  vitestPid: number | undefined;
  /** What the guard itself runs (none under the course's loader), once it has said. */
  guardHelpers: string[] = [];
  /** Resolves when the guard has said vitest's pid, or vitest has ended. */
  readonly started: Promise<void>;
  containment: Containment = { kind: "groups only", mechanism: "groups only: the guard never said which mechanism it had" };
  private killWanted = false;

  /** `command` runs in the guard's place for vitest: vitest's own program, or warm-vitest.ts. */
  constructor(scratch: string, command: string[], env: NodeJS.ProcessEnv, processes: RunProcesses | undefined, withCommands: boolean) {
    this.guard = spawn(process.execPath, [...tsNodeArgs, guardScript, scratch, ...(withCommands ? ["--commands"] : []), ...command], {
      cwd: courseRoot,
      env,
      stdio: ["pipe", "pipe", "pipe", "pipe", ...(withCommands ? ["pipe" as const] : [])],
    });
    this.guard.stdin?.on("error", () => undefined);
    this.guard.stderr?.on("data", (chunk: Buffer) => this.output.add(chunk));
    this.results = new Channel(this.guard.stdio[3] as Readable);
    this.commands = withCommands ? (this.guard.stdio[4] as Writable) : undefined;
    this.commands?.on("error", () => undefined);
    let announceStart = (): void => undefined;
    this.started = new Promise((resolve) => (announceStart = resolve));
    this.ended = new Promise((resolve) => {
      guardMessages(this.guard, (message) => {
        if (typeof message.vitest === "number") {
          this.vitestPid = message.vitest;
          this.guardHelpers = Array.isArray(message.helpers) ? message.helpers.map(String) : [];
          processes?.setGuard(this.guard.pid ?? -1, this.guardHelpers);
          processes?.observe(message.vitest);
          const subreaper = message.subreaper === true && becomeSubreaper().active;
          this.containment = { kind: subreaper ? "subreaper" : "groups only", mechanism: String(message.mechanism) };
          if (this.killWanted) this.kill();
          announceStart();
        }
        if ("exit" in message) {
          resolve({ code: typeof message.exit === "number" ? message.exit : null, signal: typeof message.signal === "string" ? message.signal : null });
        }
      });
      this.guard.once("error", (err) => resolve({ code: null, signal: null, guardDied: `the grader could not start its guard process: ${err.message}` }));
      this.guard.once("exit", (code, sig) =>
        resolve({ code: null, signal: null, guardDied: `the grader's guard process ended (${sig ?? `exit code ${code}`}) before vitest did` }),
      );
    });
    void this.ended.then(() => announceStart());
  }

  /** Kill vitest's process group (now, or as soon as its pid is known). */
  kill(): void {
    this.killWanted = true;
    if (this.vitestPid !== undefined) void killGroup(this.vitestPid);
  }

  /** Kill vitest's group and wait until it is gone: a killed worker must not be counted as a straggler. */
  async killAndWait(): Promise<void> {
    this.kill();
    if (this.vitestPid !== undefined) await killGroup(this.vitestPid);
  }

  /** Close the guard's lifeline: it kills whatever is left, removes the scratch folder, and exits. */
  async release(): Promise<void> {
    const guard = this.guard;
    if (guard.exitCode !== null || guard.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => guard.once("exit", () => resolve()));
    this.commands?.end();
    guard.stdin?.end();
    await exited;
  }
}

/** What a run's end looks like to the judge: how vitest ended, and the run's share of its output. */
export interface RunExit extends GuardedEnd {
  stopped?: StopReason;
  cancelled: boolean;
  output: string;
}

export interface Watched<T> {
  end: T;
  stopped: StopReason | undefined;
  cancelled: boolean;
}

/**
 * Wait for `done` while the watchdog watches the trace and `signal` may abort: either kills
 * vitest's group (and waits until it is gone). Meanwhile, note vitest's own processes.
 */
export async function watchOver<T>(
  vitest: GuardedVitest,
  done: Promise<T>,
  { traceDir, processes, wallTimeoutMs, stallTimeoutMs, signal }: Watch,
): Promise<Watched<T>> {
  let stopped: StopReason | undefined;
  const kill = (): void => vitest.kill();
  const observer = setInterval(() => {
    if (vitest.vitestPid !== undefined) processes.observe(vitest.vitestPid);
  }, 200);
  const disarm = watchRun(traceDir, wallTimeoutMs, stallTimeoutMs, (reason) => {
    stopped = reason;
    kill();
  });
  signal?.addEventListener("abort", kill);
  if (signal?.aborted) kill();
  const end = await done;
  disarm();
  clearInterval(observer);
  signal?.removeEventListener("abort", kill);
  if (vitest.vitestPid !== undefined) processes.observe(vitest.vitestPid);
  const cancelled = signal?.aborted === true;
  if (stopped || cancelled) await vitest.killAndWait();
  return { end, stopped, cancelled };
}

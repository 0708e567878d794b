// Lab 11, part 2: one supervised program and its state machine.
//
//              start()                 startMs passed
//   STOPPED ----------> STARTING ----------------------> RUNNING
//      ^                 |    ^                            |   |
//      |    exited early |    | backoff delay passed       |   | exited
//      |                 v    |                            |   v
//      |               BACKOFF ---- too many retries --> FATAL  EXITED --(autorestart)--> STARTING
//      |
//      +---- STOPPING <---- stop() from STARTING or RUNNING
//            (stopSignal to the whole group, SIGKILL after stopTimeoutMs)
//
// Every program runs in its own process group (and session), so one signal to
// -pgid reaches the program and every child it started that stayed in its
// group. A grandchild that calls setsid() escapes the group: without cgroups
// no supervisor can find it for sure (see the notebook).
//
// Times are on the monotonic clock: a wall clock set back by NTP or an admin
// would stretch a backoff delay to hours, or make a crash loop look healthy.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Readable } from "node:stream";
import type { ProgramSpec } from "./config";
import { LineBuffer, LogFile } from "./logs";
import { groupMembers, signalGroup } from "./proc";
import { HISTORY_LIMIT, type ProgramEvent, type ProgramState, type ProgramStatus } from "./protocol";
import { killOrphans, PROGRAM_MARK } from "./subreaper";

/** Milliseconds on a monotonic clock. */
export type Clock = () => number;

/** start() or stop() asked for something the program's state does not allow. */
export class ProgramStateError extends Error {
  constructor(
    readonly program: string,
    readonly state: ProgramState,
    action: string,
  ) {
    super(`cannot ${action} ${program}: it is ${state}`);
    this.name = "ProgramStateError";
  }
}

/** The delay before retry number `retry` (1, 2, 3...): backoffMs, doubled each time, at most backoffMaxMs. */
export function backoffDelay(spec: Pick<ProgramSpec, "backoffMs" | "backoffMaxMs">, retry: number): number {
  return Math.min(spec.backoffMaxMs, spec.backoffMs * 2 ** (retry - 1));
}

/** How often stop() looks whether the group is empty (there is no event for it). */
const GROUP_POLL_MS = 20;

export class Program {
  private currentState: ProgramState = "STOPPED";
  private child: ChildProcess | undefined;
  private pgid: number | undefined;
  private retries = 0;
  private readonly history: ProgramEvent[] = [];
  /** The STARTING -> RUNNING timer, or the BACKOFF -> STARTING timer. */
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** Resolves when the current child has exited and been reaped. */
  private exitedPromise: Promise<void> = Promise.resolve();
  /** Resolves when every pipe of every child started so far has been read to its end. */
  private outputEnded: Promise<void> = Promise.resolve();
  /** Where stdout and stderr go, line by line: `<logDir>/<name>.log`. */
  readonly logFile: string;
  private readonly log: LogFile;
  private logError: string | undefined;

  constructor(
    readonly spec: ProgramSpec,
    private readonly logDir: string,
    private readonly now: Clock = () => performance.now(),
    /** Called after every state change (supd uses it for readiness). */
    private readonly onChange: (program: Program) => void = () => undefined,
    /** The pids of every program supd runs (to tell its own children from adopted orphans). */
    private readonly programPids: () => ReadonlySet<number> = () => new Set(),
  ) {
    this.logFile = path.join(logDir, `${spec.name}.log`);
    this.log = new LogFile(this.logFile);
  }

  /** SIGHUP: logrotate renamed the log; write to a new file under its name. */
  reopenLog(): void {
    this.log.reopen();
  }

  /** Resolves once everything the programs wrote has been read and logged (their pipes are at EOF). */
  drained(): Promise<void> {
    return this.outputEnded;
  }

  /** Close the log file (supd's shutdown, once drained). */
  closeLog(): void {
    this.log.close();
  }

  get name(): string {
    return this.spec.name;
  }

  get state(): ProgramState {
    return this.currentState;
  }

  status(): ProgramStatus {
    return {
      name: this.name,
      state: this.currentState,
      pid: this.child?.pid ?? null,
      retries: this.retries,
      history: this.history.map((e) => ({ ...e })),
    };
  }

  /** STOPPED, EXITED, FATAL or BACKOFF -> STARTING, with the retry count reset. */
  start(): void {
    if (this.currentState === "STARTING" || this.currentState === "RUNNING" || this.currentState === "STOPPING") {
      throw new ProgramStateError(this.name, this.currentState, "start");
    }
    this.clearTimer();
    this.retries = 0;
    this.spawnChild();
  }

  /**
   * Stop the program and everything in its process group: stopSignal to the
   * group, SIGKILL to the group after stopTimeoutMs. Resolves when the program
   * has been reaped and its group is empty (state STOPPED).
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.currentState === "BACKOFF") {
      this.clearTimer();
      this.transition({ state: "STOPPED" });
      return Promise.resolve();
    }
    if (this.currentState !== "STARTING" && this.currentState !== "RUNNING") return Promise.resolve();
    this.stopping = this.stopGroup().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async stopGroup(): Promise<void> {
    this.clearTimer();
    const pgid = this.pgid!;
    this.transition({ state: "STOPPING", pid: pgid });
    signalGroup(pgid, this.spec.stopSignal);
    let killed = false;
    const escalate = setTimeout(() => {
      killed = true;
      signalGroup(pgid, "SIGKILL");
    }, this.spec.stopTimeoutMs);
    try {
      await this.exitedPromise;
      // The leader is gone; the rest of its group (children it started) must go too.
      while (groupMembers(pgid).length > 0) {
        await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS));
      }
      // Grandchildren that left the group (setsid) were re-parented to supd, the
      // subreaper, when their parent died: the ones marked with this program go too.
      await killOrphans(this.programPids, (orphan) => orphan.program === this.name);
    } finally {
      clearTimeout(escalate);
    }
    this.transition({ state: "STOPPED", exit: this.lastExit ?? (killed ? "signal SIGKILL" : undefined) });
  }

  private lastExit: string | undefined;

  private spawnChild(): void {
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      // The mark survives fork and exec: an escaped grandchild still says whose it is.
      env: { ...process.env, ...this.spec.env, [PROGRAM_MARK]: this.name },
      // setsid(): its own session and process group, so -pid reaches all of it.
      detached: true,
      // Pipes, not the log file: supd alone holds the file, so it can reopen it.
      stdio: ["ignore", "pipe", "pipe"],
    });
    const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
    const logged = streams.map((stream) => this.logLines(stream));
    this.outputEnded = Promise.all([this.outputEnded, ...logged]).then(() => undefined);
    this.child = child;
    this.pgid = child.pid;
    this.lastExit = undefined;
    let resolveExit: () => void = () => undefined;
    this.exitedPromise = new Promise((resolve) => {
      resolveExit = resolve;
    });
    let ended = false;
    const onEnd = (description: string): void => {
      if (ended) return;
      ended = true;
      resolveExit();
      this.exited(child, description);
    };
    child.once("error", (err: NodeJS.ErrnoException) => onEnd(`spawn failed: ${err.code ?? err.message}`));
    child.once("exit", (code, signal) => onEnd(signal !== null ? `signal ${signal}` : `exit ${code ?? "?"}`));

    this.transition({ state: "STARTING", pid: child.pid });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.child === child && this.currentState === "STARTING") {
        this.retries = 0;
        this.transition({ state: "RUNNING", pid: child.pid });
      }
    }, this.spec.startMs);
  }

  private exited(child: ChildProcess, description: string): void {
    if (this.child !== child) return;
    this.lastExit = description;
    const state = this.currentState;
    if (state === "STOPPING") {
      this.child = undefined;
      return; // stopGroup() finishes the job.
    }
    this.clearTimer();
    this.child = undefined;
    // Whatever it left in its group goes with it: nothing accumulates across restarts.
    if (this.pgid !== undefined) signalGroup(this.pgid, "SIGKILL");
    if (state === "STARTING") {
      this.retries += 1;
      if (this.retries > this.spec.startRetries) {
        this.transition({ state: "FATAL", exit: description });
        return;
      }
      const delayMs = backoffDelay(this.spec, this.retries);
      this.transition({ state: "BACKOFF", exit: description, delayMs });
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.currentState === "BACKOFF") this.spawnChild();
      }, delayMs);
      return;
    }
    // It was RUNNING: a real exit, not a failed start.
    this.transition({ state: "EXITED", pid: child.pid, exit: description });
    if (this.spec.autorestart) {
      this.retries = 0;
      this.spawnChild();
    }
  }

  /** Copy `stream` into the log, whole lines at a time, until its END (not the program's exit). */
  private logLines(stream: Readable): Promise<void> {
    const lines = new LineBuffer();
    return new Promise((resolve) => {
      stream.on("data", (chunk: Buffer) => this.writeLog(lines.push(chunk)));
      stream.once("close", () => {
        this.writeLog(lines.end());
        resolve();
      });
    });
  }

  private writeLog(bytes: Buffer): void {
    if (bytes.length === 0) return;
    try {
      this.log.write(bytes);
      this.logError = undefined;
    } catch (err) {
      // A full disk must not kill supd: say it once, keep supervising.
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      if (this.logError !== code) process.stderr.write(`supd: cannot write ${this.logFile} (${code}): lines lost\n`);
      this.logError = code;
    }
  }

  private transition(event: Omit<ProgramEvent, "at">): void {
    this.currentState = event.state;
    const recorded: ProgramEvent = { ...event, at: this.now() };
    for (const key of Object.keys(recorded) as (keyof ProgramEvent)[]) if (recorded[key] === undefined) delete recorded[key];
    this.history.push(recorded);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.onChange(this);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

// Lab 11, part 2: one supervised program and its state machine.
//
// Fill in the TODOs (backoffDelay, start, stop, spawnChild, exited; logLines is part 3, the logs).
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
  // TODO: retry 1 waits backoffMs, retry 2 twice that, retry 3 four times... never more than backoffMaxMs.
  throw new Error("TODO: backoffDelay is not written yet");
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
    // TODO: refuse (ProgramStateError) when STARTING, RUNNING or STOPPING; otherwise
    // cancel a pending BACKOFF timer, reset the retries and spawn the program.
    throw new Error("TODO: Program.start is not written yet");
  }

  /**
   * Stop the program and everything in its process group: stopSignal to the
   * group, SIGKILL to the group after stopTimeoutMs. Resolves when the program
   * has been reaped and its group is empty (state STOPPED).
   */
  stop(): Promise<void> {
    // TODO: BACKOFF -> cancel the timer, STOPPED. STARTING or RUNNING -> STOPPING:
    //   signalGroup(pgid, spec.stopSignal) (the whole group, not only the leader),
    //   a timer that sends SIGKILL to the group after spec.stopTimeoutMs,
    //   wait for the leader's exit AND for groupMembers(pgid) to be empty (poll it:
    //   no event tells when a group empties), then
    //   `await killOrphans(this.programPids, (o) => o.program === this.name)`: the
    //   grandchildren that left the group (setsid) and came back to supd, the subreaper;
    //   clear the timer, then STOPPED.
    // Two stop() calls at once must share one stop (keep the promise).
    throw new Error("TODO: Program.stop is not written yet");
  }

  private lastExit: string | undefined;

  /**
   * TODO (called by start() and by the BACKOFF timer): spawn the program
   *   - in its own process group (spawn's `detached: true` runs setsid()),
   *   - with stdout and stderr through pipes (stdio: ["ignore", "pipe", "pipe"]), each
   *     read by this.logLines(stream); keep `this.outputEnded` resolving once every
   *     pipe so far has ended: Promise.all([this.outputEnded, ...those promises]),
   *   - cwd from the spec, env: process.env + spec.env + { [PROGRAM_MARK]: name }
   *     (the mark tells whose an escaped grandchild is);
   * record STARTING with its pid, and arm a timer: still STARTING after
   * spec.startMs -> RUNNING (and retries back to 0). Its "exit" (or "error")
   * goes to exited() with a description: "exit 3" or "signal SIGKILL".
   */
  private spawnChild(): void {
    throw new Error("TODO: Program.spawnChild is not written yet");
  }

  /**
   * TODO: the program ended (`description` as "exit 3" or "signal SIGKILL").
   *   - STOPPING: stop() is waiting for this; only note it.
   *   - STARTING (it died before startMs): a failed start. retries + 1; beyond
   *     spec.startRetries -> FATAL; else BACKOFF with { delayMs: backoffDelay(...) }
   *     and a timer that spawns it again after that delay.
   *   - RUNNING: EXITED (with the pid and how), then start again at once if
   *     spec.autorestart.
   * Whatever the program left in its group should go too (SIGKILL the group).
   */
  private exited(description: string): void {
    throw new Error(`TODO: Program.exited is not written yet (${description})`);
  }

  /** Copy `stream` into the log, whole lines at a time, until its END (not the program's exit). */
  private logLines(stream: Readable): Promise<void> {
    // TODO (part 3, the logs): one LineBuffer per stream (stdout and stderr each cut
    // their own lines). On "data": this.writeLog(lines.push(chunk)). On "close" (the
    // pipe's END, which comes after the program's exit when it wrote fast): write
    // lines.end(), then resolve. Never stop at the program's exit: its last lines are
    // still in the pipe then.
    throw new Error("TODO: Program.logLines is not written yet");
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

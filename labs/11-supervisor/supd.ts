// Lab 11, part 5: supd itself, wiring the parts together.
//
// Fill in startSupervisor(); parseArgs(), main() and failedPrograms() are given.
//
//   supd --config FILE [--foreground]
//
// Without --foreground, supd becomes a daemon (daemon.ts): the command returns
// once the daemon is ready (exit 0) or could not start (exit 1, the reason on
// stderr). With --foreground it stays attached, for systemd or a container.
//
// Order matters, and every step that can fail comes before any program starts:
//   1. the config, checked whole (ConfigError: exit 2, every problem listed);
//   2. the pid file, claimed exclusively (another live supd: exit 1);
//   3. the control socket (a live socket: exit 1);
//   4. the autostart programs; "supd: ready" on stdout once each is RUNNING
//      or has given up (FATAL, EXITED): the readiness a caller waits for.
// Then it serves until SIGTERM, SIGINT or `supctl shutdown` (SIGHUP reopens the
// logs), and shuts down: stop accepting, stop every program's group
// (stopSignal, then SIGKILL), kill the grandchildren that escaped their group
// (supd is a subreaper: they are its children now), write out the last lines,
// remove the socket and the pid file, exit 0. Nothing is left running.
import { mkdirSync } from "node:fs";
import type net from "node:net";
import path from "node:path";
import { ConfigError, loadConfig, type SupdConfig } from "./config";
import { serveControl } from "./control";
import { launchDaemon, reportReadiness, runMiddle, STAGE_ARG, type Stage } from "./daemon";
import { lastLines } from "./logs";
import { claimPidFile, releasePidFile, type PidRecord } from "./pidfile";
import { Program, ProgramStateError } from "./program";
import type { ProgramState, Request, Response } from "./protocol";
import { becomeSubreaper, killOrphans } from "./subreaper";

export const USAGE = "usage: supd --config FILE [--foreground]";

/** How long the launcher waits for the daemon's readiness (startMs of slow programs, a loaded machine). */
const READY_TIMEOUT_MS = 120_000;
/** After the last program is gone, how long shutdown waits for their pipes to reach EOF. */
const DRAIN_TIMEOUT_MS = 5000;

/** Exit statuses of supd. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** States in which an autostart program no longer holds up readiness. */
const SETTLED: ProgramState[] = ["RUNNING", "FATAL", "EXITED", "STOPPED"];

export interface Supervisor {
  config: SupdConfig;
  programs: Map<string, Program>;
  /** Resolves once every autostart program is RUNNING or has given up. */
  ready: Promise<void>;
  handle(request: Request): Promise<Response>;
  /** Stop everything and clean up; idempotent (every call returns the same promise). */
  shutdown(): Promise<void>;
  /** Resolves once shutdown() has finished and every control connection has ended. */
  finished: Promise<void>;
  /** Whether supd is a child subreaper (escaped grandchildren come back to it). */
  subreaper: boolean;
  /** SIGHUP: every program's log file is opened again under its name. */
  reopenLogs(): void;
}

export interface SupdArgs {
  config: string;
  foreground: boolean;
  /** Set only in the processes the daemon launch starts (daemon.ts). */
  stage: Stage | undefined;
}

/** Parse supd's arguments; a string is a usage error. */
export function parseArgs(argv: string[]): SupdArgs | string {
  let config: string | undefined;
  let foreground = false;
  let stage: Stage | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--config" || arg === "-c") config = argv[++i];
    else if (arg === "--foreground") foreground = true;
    else if (arg === STAGE_ARG && (argv[i + 1] === "middle" || argv[i + 1] === "daemon")) stage = argv[++i] as Stage;
    else return `unknown argument ${String(arg)}`;
  }
  if (config === undefined) return "--config FILE is required";
  return { config, foreground, stage };
}

/** Claim the pid file and the socket, start the autostart programs. Throws before starting anything if it cannot. */
export async function startSupervisor(config: SupdConfig): Promise<Supervisor> {
  // TODO, in this order (each step that can fail comes before any program starts):
  //   1. mkdirSync(config.logDir, { recursive: true }); claimPidFile(config.pidFile) when
  //      there is one (AlreadyRunningError: let it propagate, main() prints it);
  //      `programs = new Map()`, programPids() = the set of the programs' current pids
  //      (their status().pid, when not null), then
  //      `subreaper = await becomeSubreaper(programPids)` before any program starts
  //      (it reaps adopted orphans as they die; programPids tells it Node's own children).
  //   2. One Program per spec in `programs`: new Program(spec, config.logDir,
  //      () => performance.now(), onChange, programPids), where onChange resolves
  //      `ready` once no autostart program is outside SETTLED.
  //   3. handle(request): status -> { ok: true, programs: statuses }; start, stop,
  //      restart (stop, then start) -> { ok: true, message }; tail -> { ok: true,
  //      lines: lastLines(program.logFile, request.lines) }; shutdown -> await
  //      shutdown(), then answer. UnknownProgramError -> "unknown-program",
  //      ProgramStateError -> "failed". Once shutdown has begun, start and restart
  //      are refused ("failed"): nothing may start behind the shutdown's back.
  //   4. server = await serveControl(config.socket, handle, { allowedUid: config.controlUid }
  //      when the config names one) (on failure, or if creating the Programs threw: close
  //      their logs and release the pid file before rethrowing), then start the autostart programs.
  //   5. shutdown(), idempotent (one promise, however often called): server.close()
  //      first (no new clients; it removes the socket file), stop every program
  //      (in parallel), killOrphans(programPids, () => true) (escapees of any program),
  //      wait (at most DRAIN_TIMEOUT_MS) for every program's drained(), closeLog() each,
  //      release the pid file. `finished` resolves after that AND after close()'s
  //      callback (every connection ended: the client that asked has its answer).
  //   6. reopenLogs(): reopenLog() on every program (main() calls it on SIGHUP).
  throw new Error("TODO: startSupervisor is not written yet");
}

export class UnknownProgramError extends Error {
  constructor(readonly program: string) {
    super(`no program called "${program}" in the config`);
    this.name = "UnknownProgramError";
  }
}

/** The autostart programs that gave up starting (FATAL); one that ran and exited (EXITED) did start. */
function failedPrograms(supervisor: Supervisor): string[] {
  return [...supervisor.programs.values()]
    .filter((p) => p.spec.autostart && p.state === "FATAL")
    .map((p) => {
      const last = p.status().history.at(-1);
      return `${p.name} ${p.state}${last?.exit !== undefined ? ` (${last.exit})` : ""}`;
    });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`supd: ${args}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const script = process.argv[1]!;
  if (args.stage === "middle") {
    runMiddle(script, argv.slice(0, argv.indexOf(STAGE_ARG)));
    return EXIT.ok;
  }
  const daemon = args.stage === "daemon";
  // Problems found now go to the launcher: in the daemon, through the readiness pipe.
  const fail = (message: string): void => {
    if (daemon) reportReadiness({ ok: false, reason: message });
    else process.stderr.write(`supd: ${message}\n`);
  };
  let config: SupdConfig;
  try {
    config = loadConfig(args.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      fail(err.message);
      return EXIT.usage;
    }
    throw err;
  }
  if (!args.foreground && !daemon) {
    // The launcher: the config is good; start the daemon and wait for its word.
    mkdirSync(config.logDir, { recursive: true });
    const log = path.join(config.logDir, "supd.log");
    const readiness = await launchDaemon(script, ["--config", config.file], log, READY_TIMEOUT_MS);
    if (readiness.ok) process.stdout.write(`supd: ${readiness.message}\n`);
    else process.stderr.write(`supd: ${readiness.reason}\n`);
    return readiness.ok ? EXIT.ok : EXIT.failed;
  }
  let supervisor: Supervisor;
  try {
    supervisor = await startSupervisor(config);
  } catch (err) {
    if (err instanceof Error) {
      // AlreadyRunningError, SocketInUseError, NotASocketError...: each message says what to do.
      fail(`cannot start: ${err.message}`);
      return EXIT.failed;
    }
    throw err;
  }
  const stop = (): void => void supervisor.shutdown();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("SIGHUP", () => supervisor.reopenLogs());
  if (!supervisor.subreaper)
    process.stderr.write(
      "supd: warning: not a child subreaper (prctl refused or koffi missing): grandchildren that leave their group go to pid 1 and may be left running\n",
    );
  await Promise.race([supervisor.ready, supervisor.finished]);
  const ready = `ready, pid ${process.pid}, ${config.programs.length} programs, socket ${config.socket}`;
  if (daemon) {
    const failed = failedPrograms(supervisor);
    reportReadiness(
      failed.length === 0
        ? { ok: true, message: ready }
        : {
            ok: false,
            reason: `supd runs (pid ${process.pid}) but not every program started: ${failed.join(", ")}. See their logs in ${config.logDir}; supctl start NAME, or supctl shutdown`,
          },
    );
  } else process.stdout.write(`supd: ${ready}\n`);
  await supervisor.finished;
  return EXIT.ok;
}

// Run only as a program, not when a notebook imports this module.
if (process.argv[1] !== undefined && /supd\.ts$/.test(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`supd: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
}

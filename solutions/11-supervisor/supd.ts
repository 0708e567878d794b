// Lab 11, part 5: supd itself, wiring the parts together.
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
  mkdirSync(config.logDir, { recursive: true });
  const pid: PidRecord | undefined = config.pidFile === undefined ? undefined : claimPidFile(config.pidFile);
  const programs = new Map<string, Program>();
  // supd's own children that are programs (the rest are adopted orphans).
  const programPids = (): ReadonlySet<number> => new Set([...programs.values()].map((p) => p.status().pid).filter((p): p is number => p !== null));
  // Before any program starts: from now on, their orphans are re-parented to supd,
  // which reaps each one when it dies (programPids tells them from Node's own children).
  const subreaper = await becomeSubreaper(programPids);

  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const checkReady = (): void => {
    const waiting = [...programs.values()].filter((p) => p.spec.autostart && !SETTLED.includes(p.state));
    if (waiting.length === 0) resolveReady();
  };
  // A start that fails half-way gives back what it took: the log files, the pid file.
  const abandon = (): void => {
    for (const p of programs.values()) p.closeLog();
    if (pid !== undefined && config.pidFile !== undefined) releasePidFile(config.pidFile, pid);
  };
  try {
    // Each Program opens its log file: an unwritable logDir fails here, before anything runs.
    for (const spec of config.programs) {
      programs.set(spec.name, new Program(spec, config.logDir, () => performance.now(), checkReady, programPids));
    }
  } catch (err) {
    abandon();
    throw err;
  }

  let server: net.Server | undefined;
  let shuttingDown: Promise<void> | undefined;
  let connectionsEnded: Promise<void> = Promise.resolve();
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      // Stop accepting first: close() removes the socket file at once. Its callback
      // waits for the open connections (the one asking for shutdown gets its answer).
      const listening = server;
      if (listening !== undefined) connectionsEnded = new Promise((resolve) => listening.close(() => resolve()));
      await Promise.all([...programs.values()].map((p) => p.stop()));
      // Escapees whose program is gone, whichever program they came from.
      await killOrphans(programPids, () => true);
      // Every pipe is at EOF once nothing holds it open: the last lines are in the logs.
      await Promise.race([Promise.all([...programs.values()].map((p) => p.drained())), new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS))]);
      for (const p of programs.values()) p.closeLog();
      if (pid !== undefined && config.pidFile !== undefined) releasePidFile(config.pidFile, pid);
    })();
    return shuttingDown;
  };

  const program = (name: string): Program => {
    const found = programs.get(name);
    if (found === undefined) throw new UnknownProgramError(name);
    return found;
  };

  const handle = async (request: Request): Promise<Response> => {
    // A client connected before shutdown began may still ask: start nothing any more.
    if (shuttingDown !== undefined && (request.cmd === "start" || request.cmd === "restart")) {
      return { ok: false, code: "failed", error: "supd is shutting down: it starts nothing any more" };
    }
    try {
      switch (request.cmd) {
        case "status":
          return { ok: true, programs: [...programs.values()].map((p) => p.status()) };
        case "start":
          program(request.name).start();
          return { ok: true, message: `${request.name}: started` };
        case "stop":
          await program(request.name).stop();
          return { ok: true, message: `${request.name}: stopped` };
        case "restart": {
          const p = program(request.name);
          await p.stop();
          p.start();
          return { ok: true, message: `${request.name}: restarted` };
        }
        case "tail":
          return { ok: true, lines: lastLines(program(request.name).logFile, request.lines) };
        case "shutdown":
          await shutdownAndFinish();
          return { ok: true, message: "supd: shut down, every program stopped" };
      }
    } catch (err) {
      if (err instanceof UnknownProgramError) return { ok: false, code: "unknown-program", error: err.message };
      if (err instanceof ProgramStateError) return { ok: false, code: "failed", error: err.message };
      throw err;
    }
  };

  try {
    server = await serveControl(config.socket, handle, config.controlUid === undefined ? {} : { allowedUid: config.controlUid });
  } catch (err) {
    abandon();
    throw err;
  }
  for (const p of programs.values()) if (p.spec.autostart) p.start();
  checkReady();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  // finished follows shutdown, whoever starts it (a signal or `supctl shutdown`).
  const shutdownAndFinish = (): Promise<void> => {
    const done = shutdown();
    void done.then(() => connectionsEnded).then(finish);
    return done;
  };
  const reopenLogs = (): void => {
    for (const p of programs.values()) p.reopenLog();
  };
  return { config, programs, ready, handle, shutdown: shutdownAndFinish, finished, subreaper, reopenLogs };
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

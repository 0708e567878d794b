// Lab 11, part 4: supd itself, wiring the parts together.
//
//   supd --config FILE --foreground
//
// Order matters, and every step that can fail comes before any program starts:
//   1. the config, checked whole (ConfigError: exit 2, every problem listed);
//   2. the pid file, claimed exclusively (another live supd: exit 1);
//   3. the control socket (a live socket: exit 1);
//   4. the autostart programs; "supd: ready" on stdout once each is RUNNING
//      or has given up (FATAL, EXITED): the readiness a caller waits for.
// Then it serves until SIGTERM, SIGINT or `supctl shutdown`, and shuts down:
// stop accepting, stop every program's group (stopSignal, then SIGKILL),
// remove the socket and the pid file, exit 0. Nothing is left running.
import { mkdirSync } from "node:fs";
import type net from "node:net";
import { ConfigError, loadConfig, type SupdConfig } from "./config";
import { serveControl } from "./control";
import { AlreadyRunningError, claimPidFile, releasePidFile, type PidRecord } from "./pidfile";
import { Program, ProgramStateError } from "./program";
import type { ProgramState, Request, Response } from "./protocol";

export const USAGE = "usage: supd --config FILE --foreground";

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
}

/** Parse supd's arguments; a string is a usage error. */
export function parseArgs(argv: string[]): { config: string } | string {
  let config: string | undefined;
  let foreground = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--config" || arg === "-c") config = argv[++i];
    else if (arg === "--foreground") foreground = true;
    else return `unknown argument ${String(arg)}`;
  }
  if (config === undefined) return "--config FILE is required";
  if (!foreground) return "this supd runs only in the foreground: add --foreground (run it under systemd, a container, or lab 05's daemonize)";
  return { config };
}

/** Claim the pid file and the socket, start the autostart programs. Throws before starting anything if it cannot. */
export async function startSupervisor(config: SupdConfig): Promise<Supervisor> {
  mkdirSync(config.logDir, { recursive: true });
  const pid: PidRecord | undefined = config.pidFile === undefined ? undefined : claimPidFile(config.pidFile);

  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  const programs = new Map<string, Program>();
  const checkReady = (): void => {
    const waiting = [...programs.values()].filter((p) => p.spec.autostart && !SETTLED.includes(p.state));
    if (waiting.length === 0) resolveReady();
  };
  for (const spec of config.programs) {
    programs.set(spec.name, new Program(spec, config.logDir, () => performance.now(), checkReady));
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
    if (pid !== undefined && config.pidFile !== undefined) releasePidFile(config.pidFile, pid);
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
  return { config, programs, ready, handle, shutdown: shutdownAndFinish, finished };
}

export class UnknownProgramError extends Error {
  constructor(readonly program: string) {
    super(`no program called "${program}" in the config`);
    this.name = "UnknownProgramError";
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`supd: ${args}\n${USAGE}\n`);
    return EXIT.usage;
  }
  let config: SupdConfig;
  try {
    config = loadConfig(args.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`supd: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  let supervisor: Supervisor;
  try {
    supervisor = await startSupervisor(config);
  } catch (err) {
    if (err instanceof AlreadyRunningError || err instanceof Error) {
      // AlreadyRunningError, SocketInUseError, NotASocketError...: each message says what to do.
      process.stderr.write(`supd: cannot start: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  }
  const stop = (): void => void supervisor.shutdown();
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  await Promise.race([supervisor.ready, supervisor.finished]);
  process.stdout.write(`supd: ready, pid ${process.pid}, ${config.programs.length} programs, socket ${config.socket}\n`);
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

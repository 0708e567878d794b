// Lab 11, part 4: supd itself, wiring the parts together.
//
// Fill in startSupervisor(); parseArgs() and main() are given.
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
  // TODO, in this order (each step that can fail comes before any program starts):
  //   1. mkdirSync(config.logDir, { recursive: true }); claimPidFile(config.pidFile) when
  //      there is one (AlreadyRunningError: let it propagate, main() prints it).
  //   2. One Program per spec, on the monotonic clock, with an onChange callback
  //      that resolves `ready` once no autostart program is outside SETTLED.
  //   3. handle(request): status -> { ok: true, programs: statuses }; start, stop,
  //      restart (stop, then start) -> { ok: true, message }; shutdown -> await
  //      shutdown(), then answer. UnknownProgramError -> "unknown-program",
  //      ProgramStateError -> "failed". Once shutdown has begun, start and restart
  //      are refused ("failed"): nothing may start behind the shutdown's back.
  //   4. server = await serveControl(config.socket, handle, { allowedUid: config.controlUid }
  //      when the config names one) (on failure release
  //      the pid file before rethrowing), then start the autostart programs.
  //   5. shutdown(), idempotent (one promise, however often called): server.close()
  //      first (no new clients; it removes the socket file), stop every program
  //      (in parallel), release the pid file. `finished` resolves after that AND
  //      after close()'s callback (every connection ended: the client that asked
  //      for the shutdown has its answer).
  throw new Error("TODO: startSupervisor is not written yet");
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

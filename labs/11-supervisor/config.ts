// Lab 11, part 1: the configuration, checked whole before anything starts.
//
// Fill in parseConfig(), then `npm run grade -- 11`. Stuck? `npm run hint -- 11`.
//
// A supervisor that finds a typo in program 7 after starting programs 1 to 6
// leaves a half-started system behind. So supd reads the whole file, collects
// EVERY problem (file, program, field, what is wrong) and refuses to start if
// there is any: the person fixing it sees them all at once, not one per run.
//
// The file is JSON; relative paths are relative to the file's own folder:
//   {
//     "socket": "supd.sock",          control socket (default "supd.sock")
//     "pidFile": "supd.pid",          optional
//     "logDir": "logs",               one <program>.log per program (default "logs")
//     "controlUid": 1000,             optional: the uid allowed to send requests (default: supd's own)
//     "programs": {
//       "web": { "command": "node", "args": ["server.js"], "cwd": ".", "env": { "PORT": "8080" },
//                "autostart": true, "autorestart": true,
//                "startMs": 1000, "startRetries": 3, "backoffMs": 500, "backoffMaxMs": 10000,
//                "stopSignal": "SIGTERM", "stopTimeoutMs": 5000 }
//     }
//   }
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** One program, every field filled in (defaults applied, paths absolute). */
export interface ProgramSpec {
  name: string;
  /** A path (absolute after loading) or a command name found on PATH. */
  command: string;
  args: string[];
  cwd: string;
  /** Added to supd's own environment. */
  env: Record<string, string>;
  autostart: boolean;
  /** Start it again when it exits after reaching RUNNING. */
  autorestart: boolean;
  /** It must stay up this long to count as started (STARTING -> RUNNING). */
  startMs: number;
  /** Failed starts in a row allowed before FATAL. */
  startRetries: number;
  /** Delay before the first retry; it doubles for each failed start in a row. */
  backoffMs: number;
  /** The delay never grows beyond this. */
  backoffMaxMs: number;
  stopSignal: NodeJS.Signals;
  /** After this long, the program's group gets SIGKILL. */
  stopTimeoutMs: number;
}

export interface SupdConfig {
  /** The config file, absolute. */
  file: string;
  socket: string;
  pidFile: string | undefined;
  logDir: string;
  /**
   * The uid whose requests supd answers (checked with SO_PEERCRED); undefined: supd's own.
   * Another uid must also get past the socket's 0600 to connect (root does).
   */
  controlUid: number | undefined;
  programs: ProgramSpec[];
}

/** One thing wrong in a config file. `program` is undefined for top-level fields. */
export interface ConfigProblem {
  file: string;
  program: string | undefined;
  field: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}, nothing was started:\n` + problems.map(describeProblem).join("\n"));
    this.name = "ConfigError";
  }
}

/** "  programs.web.startMs: must be ..." (or "  socket: ..." for a top-level field). */
export function describeProblem(problem: ConfigProblem): string {
  const where = problem.program === undefined ? problem.field : `programs.${problem.program}.${problem.field}`;
  return `  ${where}: ${problem.message}`;
}

export const DEFAULTS = {
  socket: "supd.sock",
  logDir: "logs",
  autostart: true,
  autorestart: true,
  startMs: 1000,
  startRetries: 3,
  backoffMs: 500,
  backoffMaxMs: 10_000,
  stopSignal: "SIGTERM" as NodeJS.Signals,
  stopTimeoutMs: 5000,
};

const TOP_FIELDS = ["socket", "pidFile", "logDir", "controlUid", "programs"];
const PROGRAM_FIELDS = [
  "command",
  "args",
  "cwd",
  "env",
  "autostart",
  "autorestart",
  "startMs",
  "startRetries",
  "backoffMs",
  "backoffMaxMs",
  "stopSignal",
  "stopTimeoutMs",
];
/** sun_path holds 108 bytes including the final NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
const PROGRAM_NAME = /^[A-Za-z0-9_.-]+$/;

/** Read, check and complete `file`. Throws ConfigError listing every problem found. */
export function loadConfig(file: string): SupdConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(absolute, [{ file: absolute, program: undefined, field: "(file)", message: `cannot read it (${code})` }]);
  }
  return parseConfig(text, absolute);
}

/** Check and complete the JSON text of config file `file` (absolute). */
export function parseConfig(text: string, file: string): SupdConfig {
  // TODO: check the whole config and collect EVERY problem as a ConfigProblem
  // ({ file, program, field, message }), then throw new ConfigError(file, problems)
  // if there is any. Stop at the first one and the user fixes one typo per run;
  // let a problem through and supd starts half a system before it fails.
  //   - JSON.parse errors and a non-object: one problem, field "(json)".
  //   - Top level: unknown fields (TOP_FIELDS), "socket" (default DEFAULTS.socket;
  //     at most MAX_SOCKET_PATH_BYTES once absolute), "pidFile" (optional), "logDir",
  //     "controlUid" (optional, an integer >= 0), "programs" (at least one program).
  //   - Each program (its name matches PROGRAM_NAME): unknown fields (PROGRAM_FIELDS);
  //     command (required; resolveCommand() must find it, relative to its cwd);
  //     args (strings); cwd (an existing directory, see isDirectory); env (strings);
  //     autostart/autorestart (booleans); startMs and startRetries (integers >= 0),
  //     backoffMs, backoffMaxMs, stopTimeoutMs (integers >= 1, backoffMaxMs >= backoffMs);
  //     stopSignal (a name in os.constants.signals).
  //   - Missing fields take DEFAULTS; relative paths are relative to path.dirname(file).
  throw new Error("TODO: parseConfig is not written yet");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringField(obj: Record<string, unknown>, field: string, fallback: string, problem: (message: string) => void): string {
  const value = obj[field];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value === "") {
    problem("must be a non-empty string");
    return fallback;
  }
  return value;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** What execvp() would run: a path as is (relative to cwd), a bare name searched on PATH. */
function resolveCommand(command: string, cwd: string, searchPath: string): string | undefined {
  if (command.includes("/")) {
    const file = path.resolve(cwd, command);
    return isExecutableFile(file) ? file : undefined;
  }
  for (const dir of searchPath.split(":")) {
    if (dir === "") continue;
    const file = path.join(dir, command);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

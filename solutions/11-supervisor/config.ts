// Lab 11, part 1: the configuration, checked whole before anything starts.
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
  const problems: ConfigProblem[] = [];
  const problem = (program: string | undefined, field: string, message: string): void => {
    problems.push({ file, program, field, message });
  };
  const base = path.dirname(file);

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ file, program: undefined, field: "(json)", message: `not valid JSON: ${(err as Error).message}` }]);
  }
  if (!isObject(raw)) throw new ConfigError(file, [{ file, program: undefined, field: "(json)", message: "the file must hold a JSON object" }]);

  for (const key of Object.keys(raw)) if (!TOP_FIELDS.includes(key)) problem(undefined, key, `unknown field (known: ${TOP_FIELDS.join(", ")})`);

  const socket = path.resolve(
    base,
    stringField(raw, "socket", DEFAULTS.socket, (m) => problem(undefined, "socket", m)),
  );
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES) {
    problem(undefined, "socket", `${socket} is ${Buffer.byteLength(socket)} bytes, a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}`);
  }
  const pidFileValue = raw.pidFile === undefined ? undefined : stringField(raw, "pidFile", "", (m) => problem(undefined, "pidFile", m));
  const pidFile = pidFileValue === undefined || pidFileValue === "" ? undefined : path.resolve(base, pidFileValue);
  const logDir = path.resolve(
    base,
    stringField(raw, "logDir", DEFAULTS.logDir, (m) => problem(undefined, "logDir", m)),
  );
  let controlUid: number | undefined;
  if (raw.controlUid !== undefined) {
    if (typeof raw.controlUid === "number" && Number.isInteger(raw.controlUid) && raw.controlUid >= 0) controlUid = raw.controlUid;
    else problem(undefined, "controlUid", `must be a uid (an integer >= 0), got ${JSON.stringify(raw.controlUid)}`);
  }

  const programs: ProgramSpec[] = [];
  if (!isObject(raw.programs)) {
    problem(undefined, "programs", "required: an object of programs, by name");
  } else if (Object.keys(raw.programs).length === 0) {
    problem(undefined, "programs", "no programs: give at least one");
  } else {
    for (const [name, value] of Object.entries(raw.programs)) {
      const spec = checkProgram(name, value, base, (field, message) => problem(name, field, message));
      if (spec !== undefined) programs.push(spec);
    }
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, socket, pidFile, logDir, controlUid, programs };
}

function checkProgram(name: string, value: unknown, base: string, problem: (field: string, message: string) => void): ProgramSpec | undefined {
  const before = { count: 0 };
  const report = (field: string, message: string): void => {
    before.count++;
    problem(field, message);
  };
  if (!PROGRAM_NAME.test(name)) report("(name)", "a program name may hold only letters, digits, '.', '_' and '-' (it names the log file)");
  if (!isObject(value)) {
    report("(program)", "must be an object with at least a command");
    return undefined;
  }
  for (const key of Object.keys(value)) if (!PROGRAM_FIELDS.includes(key)) report(key, `unknown field (known: ${PROGRAM_FIELDS.join(", ")})`);

  const cwd = path.resolve(
    base,
    stringField(value, "cwd", ".", (m) => report("cwd", m)),
  );
  if (!isDirectory(cwd)) report("cwd", `${cwd} is not an existing directory`);

  const env: Record<string, string> = {};
  if (value.env !== undefined) {
    if (!isObject(value.env)) report("env", "must be an object of strings");
    else {
      for (const [key, v] of Object.entries(value.env)) {
        if (typeof v === "string") env[key] = v;
        else report(`env.${key}`, "must be a string");
      }
    }
  }

  let args: string[] = [];
  if (value.args !== undefined) {
    if (Array.isArray(value.args) && value.args.every((a) => typeof a === "string")) args = value.args;
    else report("args", "must be an array of strings");
  }

  let command = "";
  if (typeof value.command !== "string" || value.command === "") report("command", "required: the program to run (a path, or a name found on PATH)");
  else {
    const found = resolveCommand(value.command, cwd, env.PATH ?? process.env.PATH ?? "");
    if (found === undefined) report("command", `${value.command} is not an executable file${value.command.includes("/") ? "" : " on PATH"}`);
    else command = found;
  }

  const bool = (field: "autostart" | "autorestart"): boolean => {
    const v = value[field];
    if (v === undefined) return DEFAULTS[field];
    if (typeof v !== "boolean") report(field, "must be true or false");
    return v === true;
  };
  const integer = (field: "startMs" | "startRetries" | "backoffMs" | "backoffMaxMs" | "stopTimeoutMs", min: number): number => {
    const v = value[field];
    if (v === undefined) return DEFAULTS[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      report(field, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
      return DEFAULTS[field];
    }
    return v;
  };
  const startMs = integer("startMs", 0);
  const startRetries = integer("startRetries", 0);
  const backoffMs = integer("backoffMs", 1);
  const backoffMaxMs = integer("backoffMaxMs", 1);
  const stopTimeoutMs = integer("stopTimeoutMs", 1);
  if (backoffMaxMs < backoffMs) report("backoffMaxMs", `must be >= backoffMs (${backoffMs})`);

  let stopSignal = DEFAULTS.stopSignal;
  if (value.stopSignal !== undefined) {
    if (typeof value.stopSignal === "string" && value.stopSignal in os.constants.signals) stopSignal = value.stopSignal as NodeJS.Signals;
    else report("stopSignal", `${JSON.stringify(value.stopSignal)} is not a signal name such as "SIGTERM" or "SIGINT"`);
  }

  const spec: ProgramSpec = {
    name,
    command,
    args,
    cwd,
    env,
    autostart: bool("autostart"),
    autorestart: bool("autorestart"),
    startMs,
    startRetries,
    backoffMs,
    backoffMaxMs,
    stopSignal,
    stopTimeoutMs,
  };
  return before.count === 0 ? spec : undefined;
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

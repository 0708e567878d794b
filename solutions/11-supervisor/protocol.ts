// Given: what supd and supctl say to each other over the control socket.
// Each request and each response is one JSON frame (see frames.ts).

/** supervisord's process states. */
export type ProgramState = "STOPPED" | "STARTING" | "RUNNING" | "BACKOFF" | "STOPPING" | "EXITED" | "FATAL";

/** One state change, as supd saw it. */
export interface ProgramEvent {
  state: ProgramState;
  /** supd's monotonic clock (performance.now() in supd), in milliseconds. */
  at: number;
  /** The program's pid, when the event is about one process (STARTING, EXITED...). */
  pid?: number | undefined;
  /** BACKOFF only: how long supd waits before the next start. */
  delayMs?: number;
  /** How the process ended ("exit 1", "signal SIGKILL"), for events caused by an exit. */
  exit?: string | undefined;
}

export interface ProgramStatus {
  name: string;
  state: ProgramState;
  /** The running process (it leads its own process group), or null. */
  pid: number | null;
  /** Failed starts in a row (reset once the program reaches RUNNING). */
  retries: number;
  /** The latest state changes, oldest first (at most HISTORY_LIMIT). */
  history: ProgramEvent[];
}

export const HISTORY_LIMIT = 50;

export type Request =
  | { cmd: "status" }
  | { cmd: "start"; name: string }
  | { cmd: "stop"; name: string }
  | { cmd: "restart"; name: string }
  | { cmd: "tail"; name: string; lines: number }
  | { cmd: "shutdown" };

/** tail's default and largest number of lines. */
export const TAIL_DEFAULT_LINES = 20;
export const TAIL_MAX_LINES = 10_000;

export type ErrorCode = "bad-request" | "too-large" | "permission-denied" | "unknown-program" | "failed";

export type Response = { ok: true; programs?: ProgramStatus[]; lines?: string[]; message?: string } | { ok: false; code: ErrorCode; error: string };

/** A request frame that is not a Request. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

/** Parse one request frame; BadRequestError says what is wrong with it. */
export function parseRequest(payload: Buffer): Request {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new BadRequestError("a request must be a JSON object, this frame is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BadRequestError("a request must be a JSON object");
  const { cmd, name, lines } = value as { cmd?: unknown; name?: unknown; lines?: unknown };
  if (cmd === "status" || cmd === "shutdown") return { cmd };
  if (cmd === "start" || cmd === "stop" || cmd === "restart") {
    if (typeof name !== "string" || name === "") throw new BadRequestError(`"${cmd}" needs a program name in "name"`);
    return { cmd, name };
  }
  if (cmd === "tail") {
    if (typeof name !== "string" || name === "") throw new BadRequestError(`"tail" needs a program name in "name"`);
    if (lines === undefined) return { cmd, name, lines: TAIL_DEFAULT_LINES };
    if (typeof lines !== "number" || !Number.isInteger(lines) || lines < 1 || lines > TAIL_MAX_LINES) {
      throw new BadRequestError(`"lines" must be an integer from 1 to ${TAIL_MAX_LINES}`);
    }
    return { cmd, name, lines };
  }
  throw new BadRequestError(`unknown command ${JSON.stringify(cmd)}: expected status, start, stop, restart, tail or shutdown`);
}

// Given: supctl, the command-line client of supd.
//
//   supctl --socket PATH [--timeout MS] [--json] status
//   supctl --socket PATH start|stop|restart NAME
//   supctl --socket PATH [--lines N] tail NAME      the last N lines of NAME's log
//   supctl --socket PATH shutdown
//
// Exit status: 0 done, 1 supd refused, 2 usage, 3 supd is not running,
// 4 permission denied, 5 timed out, 6 protocol error.
import { ClientError, request } from "./client";
import { TAIL_DEFAULT_LINES, TAIL_MAX_LINES, type ProgramStatus, type Request } from "./protocol";

const USAGE = "usage: supctl --socket PATH [--timeout MS] [--json] status | start NAME | stop NAME | restart NAME | [--lines N] tail NAME | shutdown";
const EXIT_BY_KIND = { "not-running": 3, "permission-denied": 4, "timed-out": 5, protocol: 6 } as const;

function parseArgs(argv: string[]): { socket: string; timeoutMs: number; json: boolean; req: Request } | string {
  let socket: string | undefined;
  let timeoutMs: number | undefined;
  let json = false;
  let lines: number | undefined;
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--socket") socket = argv[++i];
    else if (arg === "--timeout") timeoutMs = Number(argv[++i]);
    else if (arg === "--json") json = true;
    else if (arg === "--lines" || arg === "-n") lines = Number(argv[++i]);
    else if (arg.startsWith("--")) return `unknown option ${arg}`;
    else words.push(arg);
  }
  if (socket === undefined) return "--socket PATH is required";
  if (timeoutMs !== undefined && !(timeoutMs > 0)) return "--timeout needs a number of milliseconds > 0";
  const [cmd, name, extra] = words;
  if (extra !== undefined) return `unexpected argument ${extra}`;
  if (cmd === "status" || cmd === "shutdown") {
    if (name !== undefined) return `${cmd} takes no program name`;
    // Shutting down waits for every program's stop timeout: allow for it.
    return { socket, json, timeoutMs: timeoutMs ?? (cmd === "shutdown" ? 60_000 : 5000), req: { cmd } };
  }
  if (lines !== undefined && !(Number.isInteger(lines) && lines >= 1 && lines <= TAIL_MAX_LINES))
    return `--lines needs a whole number from 1 to ${TAIL_MAX_LINES}`;
  if (lines !== undefined && cmd !== "tail") return "--lines goes with tail only";
  if (cmd === "tail") {
    if (name === undefined) return "tail needs a program name";
    return { socket, json, timeoutMs: timeoutMs ?? 5000, req: { cmd, name, lines: lines ?? TAIL_DEFAULT_LINES } };
  }
  if (cmd === "start" || cmd === "stop" || cmd === "restart") {
    if (name === undefined) return `${cmd} needs a program name`;
    return { socket, json, timeoutMs: timeoutMs ?? 30_000, req: { cmd, name } };
  }
  return cmd === undefined ? "no command given" : `unknown command ${cmd}`;
}

function statusTable(programs: ProgramStatus[]): string {
  const rows = programs.map((p) => {
    const last = p.history[p.history.length - 1];
    const detail = p.state === "BACKOFF" ? `retry ${p.retries} in ${last?.delayMs ?? "?"} ms` : p.pid !== null ? `pid ${p.pid}` : (last?.exit ?? "");
    return `${p.name.padEnd(16)} ${p.state.padEnd(9)} ${detail}`;
  });
  return rows.join("\n");
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (typeof parsed === "string") {
    process.stderr.write(`supctl: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  try {
    const response = await request(parsed.socket, parsed.req, { timeoutMs: parsed.timeoutMs });
    if (!response.ok) {
      process.stderr.write(`supctl: ${response.error}\n`);
      return response.code === "permission-denied" ? 4 : 1;
    }
    if (parsed.json) process.stdout.write(`${JSON.stringify(response)}\n`);
    else if (response.programs) process.stdout.write(`${statusTable(response.programs)}\n`);
    else if (response.lines) process.stdout.write(response.lines.map((line) => `${line}\n`).join(""));
    else process.stdout.write(`${response.message ?? "ok"}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ClientError) {
      process.stderr.write(`supctl: ${err.message}\n`);
      return EXIT_BY_KIND[err.kind];
    }
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`supctl: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(6);
  },
);

// Given (you wrote this in lab 05): supd as a daemon, by a double spawn.
//
//   launcher (the command you typed)
//     └─ spawn, detached ─> middle: setsid(), a session leader (it could acquire a terminal)
//                             └─ spawn ─> daemon: in the middle's session, NOT its leader
//                           middle exits: the daemon is an orphan, adopted by pid 1 (or a
//                           subreaper) and can never acquire a controlling terminal.
//
// Readiness: the launcher gives the middle a pipe as fd 3; the middle passes it
// on to the daemon and exits. The daemon writes ONE line on it, "ready ..." or
// "failed ...", once it knows, and closes it; the launcher waits for that line
// (or for EOF: the daemon died before it could say), prints it and exits 0 or 1.
// So `supd --config x && supctl status` never races the daemon's start.
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";

/** The hidden argument that tells the middle and the daemon which one they are. */
export const STAGE_ARG = "--daemon-stage";
export type Stage = "middle" | "daemon";
/** The readiness pipe, in the middle and in the daemon. */
const READY_FD = 3;

export type Readiness = { ok: true; message: string } | { ok: false; reason: string };

/** The launcher: start the middle and wait for the daemon's one line. `log` receives the daemon's stdout and stderr. */
export function launchDaemon(script: string, args: string[], log: string, timeoutMs: number): Promise<Readiness> {
  const out = openSync(log, "a", 0o644);
  const middle = spawn(process.execPath, [...process.execArgv, script, ...args, STAGE_ARG, "middle"], {
    detached: true, // setsid(): the middle leads a new session, away from our terminal
    stdio: ["ignore", out, out, "pipe"],
    cwd: "/", // nothing holds a mounted filesystem busy
  });
  closeSync(out);
  middle.on("error", () => undefined);
  const pipe = middle.stdio[READY_FD];
  return new Promise((resolve) => {
    let text = "";
    let settled = false;
    const finish = (readiness: Readiness): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pipe?.destroy();
      resolve(readiness);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `supd said nothing within ${timeoutMs} ms; it may still be starting (see ${log})` }), timeoutMs);
    if (pipe === null || pipe === undefined) return finish({ ok: false, reason: "could not create the readiness pipe" });
    pipe.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const newline = text.indexOf("\n");
      if (newline === -1) return;
      const line = text.slice(0, newline);
      if (line.startsWith("ready ")) finish({ ok: true, message: line.slice("ready ".length) });
      else finish({ ok: false, reason: line.replace(/^failed /, "") });
    });
    pipe.once("close", () => finish({ ok: false, reason: `supd exited before it was ready (its output is in ${log})` }));
  });
}

/** The middle: start the daemon (same session, not its leader), then exit at once. */
export function runMiddle(script: string, args: string[]): void {
  const daemon = spawn(process.execPath, [...process.execArgv, script, ...args, STAGE_ARG, "daemon"], {
    stdio: ["ignore", "inherit", "inherit", READY_FD],
  });
  daemon.unref();
  process.exit(0);
}

/** The daemon: say "ready ..." or "failed ..." to the launcher, once. */
export function reportReadiness(readiness: Readiness): void {
  const line = readiness.ok ? `ready ${readiness.message}\n` : `failed ${readiness.reason}\n`;
  try {
    writeSync(READY_FD, line);
    closeSync(READY_FD);
  } catch {
    // The launcher gave up (timed out, was killed): nobody to tell.
  }
}

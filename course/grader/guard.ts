// The guard: a small process between the grader and vitest, so that a lab's run never outlives
// the grader, even when the grader is killed with SIGKILL and can clean up nothing.
//
//   grader ──stdin (lifeline)──▶ guard (child subreaper) ──▶ vitest (own process group) ──▶ workers ──▶ lab processes
//
// - It is a child subreaper: every process the run starts stays its descendant, however it detaches.
// - It holds the read end of a pipe whose only write end is the grader's. When that pipe closes
//   (the grader closed it when done, or the grader died and the kernel closed it), the guard kills
//   every descendant, reaps them, removes the run's scratch folder, and exits.
// - It ignores SIGINT and SIGHUP (a Ctrl-C in the terminal reaches the whole foreground group):
//   the grader decides; if the grader dies of it, the lifeline tells the guard.
// - It passes fd 3 (the results channel, see events.ts) to vitest and closes its own copy.
//
// - With --commands, it also passes fd 4 (the grader's commands to a warm vitest, see warm-vitest.ts).
//
// It writes JSON lines on stdout: {"vitest":pid,"helpers":[...],"mechanism":"..."}, then {"exit":code,"signal":name}.
// vitest's own stdout and stderr go to the guard's stderr, which the grader keeps the end of.
//
// Usage (by run-lab.ts and warm-lab.ts only): node --import <the course's loader> guard.ts <scratch folder> [--commands] <command> [args...]
import { spawn } from "node:child_process";
import { closeSync, rmSync } from "node:fs";
import { childrenOf, descendantsOf, identity, isRunning } from "../foundation/proc";
import { becomeSubreaper, reapOrphans } from "../foundation/subreaper";
import { COMMANDS_FD, RESULTS_FD } from "./run-env";

const [scratch, ...rest] = process.argv.slice(2);
// An explicit flag, never a guess from fstat: a TypeScript loader's pipes (tsx's, to esbuild) may sit on fd 4 here.
const withCommands = rest[0] === "--commands";
const [command, ...args] = withCommands ? rest.slice(1) : rest;
if (scratch === undefined || command === undefined) {
  process.stderr.write("guard.ts is started by the grader (course/grader/run-lab.ts), not by hand\n");
  process.exit(2);
}

const containment = becomeSubreaper();
for (const signal of ["SIGINT", "SIGHUP"] as const) process.on(signal, () => undefined);

// What the guard itself runs (none under the course's loader; tsx would leave its esbuild service
// here): the grader must not take them for the lab's.
const helpers = childrenOf(process.pid).map(identity);
const child = spawn(command, args, {
  detached: true, // its own process group: the lab's kill(0, ...) cannot reach the guard
  stdio: ["ignore", 2, 2, RESULTS_FD, ...(withCommands ? [COMMANDS_FD] : [])],
});
for (const fd of withCommands ? [RESULTS_FD, COMMANDS_FD] : [RESULTS_FD]) {
  try {
    closeSync(fd); // vitest holds it now; when vitest is gone, the grader sees the channel end
  } catch {
    // Not open: started without a results channel (vitest's reporter then writes nothing).
  }
}
const vitestPid = child.pid ?? -1;

// The grader may be gone (that is what the guard is for): a write to its pipe must not kill us.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);
function send(message: object): void {
  try {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  } catch {
    // The grader is gone; the lifeline says so too.
  }
}
send({ vitest: vitestPid, helpers, mechanism: containment.mechanism, subreaper: containment.active });
child.once("error", (err) => send({ exit: null, signal: null, error: err.message }));
child.once("exit", (code, signal) => send({ exit: code, signal }));

// Orphans re-parented here become zombies when they die; nobody else will reap them.
const reaper = setInterval(() => reapOrphans((pid) => pid === vitestPid), 250);

let finishing = false;
async function finish(): Promise<void> {
  if (finishing) return;
  finishing = true;
  clearInterval(reaper);
  try {
    process.kill(-vitestPid, "SIGKILL");
  } catch {
    // The group is gone already.
  }
  // Kill every descendant until none is left (one that forks while we kill is caught next round).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = descendantsOf(process.pid).filter((entry) => isRunning(entry.pid));
    for (const { pid } of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Gone.
      }
    }
    reapOrphans((pid) => pid === vitestPid);
    if (left.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  rmSync(scratch as string, { recursive: true, force: true });
  process.exit(0);
}

process.stdin.on("data", () => undefined);
process.stdin.once("end", () => void finish());
process.stdin.once("error", () => void finish());
process.once("SIGTERM", () => void finish());

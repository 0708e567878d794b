// Launching a child with exactly the descriptors, directory and environment
// asked for: nothing more crosses exec than what spawn() is told to pass.
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";

export interface ChildSetup {
  command: string;
  args: string[];
  /** The child's working directory; must exist. */
  cwd: string;
  /** The child's whole environment: nothing from the parent's is added. */
  env: Record<string, string>;
  /**
   * Child fd number -> the parent's fd to give it there, e.g. `{ 3: logFd }`.
   * An unlisted 0, 1 or 2 is /dev/null; an unlisted fd from 3 up stays closed.
   */
  fds: Record<number, number>;
}

/** Start `setup.command`. The caller waits for it (or kills it) and listens for "error" (a missing command). */
export function launch(setup: ChildSetup): ChildProcess {
  checkCwd(setup.cwd);
  return spawn(setup.command, setup.args, {
    cwd: setup.cwd,
    // `env` replaces the parent's environment instead of extending it.
    env: { ...setup.env },
    stdio: stdioFor(setup.fds),
  });
}

/**
 * spawn()'s `stdio` array is indexed by the child's fd number: entry i says
 * what the child finds at fd i. "ignore" means /dev/null for 0-2 and "leave
 * closed" from 3 up. Node opens its own fds close-on-exec, so exec drops the rest.
 */
function stdioFor(fds: Record<number, number>): Array<"ignore" | number> {
  const childFds = Object.keys(fds).map(Number);
  for (const fd of childFds) {
    if (!Number.isInteger(fd) || fd < 0) throw new Error(`launch: child fd ${fd} is not a descriptor number (use 0, 1, 2, ...)`);
  }
  const highest = Math.max(2, ...childFds);
  const stdio: Array<"ignore" | number> = [];
  for (let fd = 0; fd <= highest; fd++) stdio.push(fds[fd] ?? "ignore");
  return stdio;
}

function checkCwd(cwd: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    // Reported below, with the path, instead of spawn's bare ENOENT.
  }
  if (!isDirectory) throw new Error(`launch: the working directory ${cwd} does not exist or is not a directory; create it first`);
}

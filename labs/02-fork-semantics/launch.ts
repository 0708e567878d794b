// Launching a child with exactly the descriptors, directory and environment
// asked for: nothing more crosses exec than what spawn() is told to pass.
import type { ChildProcess } from "node:child_process";

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
  // TODO: check that setup.cwd is an existing directory; if not, throw an Error
  //   whose message names the path and says what to do (before spawning anything).
  // TODO: spawn(setup.command, setup.args, { cwd, env, stdio }) where
  //   - env is setup.env ONLY (no `...process.env`),
  //   - stdio is an array indexed by the CHILD's fd number: entry i is the
  //     parent fd from setup.fds[i], or "ignore" when i is not asked for
  //     ("ignore" = /dev/null for 0-2, closed from 3 up). Not "pipe", not "inherit".
  throw new Error(`TODO: launch ${setup.command} with exactly the fds, cwd and env asked for`);
}

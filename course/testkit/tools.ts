// Optional tools (faketime, strace, python3) that a learner's machine may lack.
// A test that needs one is written
//   it.skipIf(!hasCommand("faketime"))("... (needs faketime)", ...)
// with the title ending in "(needs <tool>)": the grader reports it as "not run
// here" and does not count it, and every bug it catches is also caught by a
// test that needs no tool.
import { accessSync, constants } from "node:fs";
import path from "node:path";

/** True when `name` is an executable somewhere on PATH. */
export function hasCommand(name: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir === "") continue;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

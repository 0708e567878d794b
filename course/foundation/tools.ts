// Optional tools (python3, strace, faketime) that a learner's machine may lack: is one on PATH?
// Used by notebooks (through the notebook kit) and lab tests (through the test-kit). No
// import.meta here: tslab compiles this file too, as CommonJS.
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

// Temporary directories that are removed after the test, pass or fail.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const created = new Set<string>();

/** A fresh empty directory, removed after the current test. */
export function tempDir(prefix = "course-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

// Folders of runners that were killed outright (SIGKILL, a crash) are removed by the next run.
//
// A runner removes its kernel's folder and the notebook's scratch folder when it stops, even on
// Ctrl-C. Only a SIGKILLed runner cannot: its kernel dies with it (the parent poller), but the
// folders stay. So every folder the runner makes in the temp directory carries the runner's pid,
// and the next run removes the ones whose runner is gone and that belong to this user.
import { readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isAlive } from "../foundation/processes";

/** `course-notebook-<pid>-`: the prefix for a temp folder owned by this runner process. */
export function ownedPrefix(kind: "kernel" | "notebook" | "with-solutions" | "tools"): string {
  return `course-${kind}-${process.pid}-`;
}

const OWNED = /^course-(?:kernel|notebook|with-solutions|tools)-(\d+)-/;

/** Remove the folders left by runners that no longer run; returns their paths. */
export function removeStaleFolders(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  const uid = process.getuid?.();
  for (const name of readdirSync(tmp)) {
    const pid = Number(OWNED.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    const folder = path.join(tmp, name);
    try {
      if (uid !== undefined && statSync(folder).uid !== uid) continue; // another user's
      rmSync(folder, { recursive: true, force: true });
      removed.push(folder);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

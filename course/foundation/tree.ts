// The files under a folder, listed the same way on every Node the course supports. From Node 24
// on, readdirSync(folder, { recursive: true }) also lists what is behind a symbolic link to a
// folder; Node 20 and 22 do not. The course never follows such a link: a link is listed as one,
// and what is behind it is not.
import { readdirSync } from "node:fs";
import path from "node:path";

export interface TreeWalk {
  /** Entries (relative to the folder) to pass over, with everything below them. */
  skip?: (relative: string) => boolean;
  /** Told of each symbolic link (relative to the folder), which is neither followed nor listed. */
  onLink?: (relative: string) => void;
}

/** The regular files under `folder` (absolute), relative to it, in no particular order; links are not followed. */
export function regularFilesUnder(folder: string, { skip = () => false, onLink }: TreeWalk = {}): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(folder, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (skip(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
      else if (entry.isSymbolicLink()) onLink?.(child);
    }
  };
  walk("");
  return files;
}

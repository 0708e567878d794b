// The files under a folder, listed the same way on every Node the course supports. From Node 24
// on, readdirSync(folder, { recursive: true }) also lists what is behind a symbolic link to a
// folder; Node 20 and 22 do not. The course never follows such a link: a link is listed as one,
// and what is behind it is not.
import { readdirSync } from "node:fs";
import path from "node:path";

/** The regular files under `folder` (absolute), relative to it, in no particular order; links are not followed. */
export function regularFilesUnder(folder: string, skipFolder: (name: string) => boolean = () => false): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(folder, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory() && !skipFolder(entry.name)) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk("");
  return files;
}

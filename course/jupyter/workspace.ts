// The learner's working copies of the notebooks.
//
// The notebooks in notebooks/ belong to the course: they are tracked, committed without outputs,
// and updated by `git pull`. Jupyter saves outputs into whatever notebook is open (autosave), so a
// learner who ran notebooks/04-... in place would dirty the course's files: `git pull` would then
// conflict, and the course's own checks would fail. So learners work in my-notebooks/ (git-ignored):
// `npm start` copies each course notebook there once, and afterwards brings course updates in
// without ever overwriting what a learner wrote:
//   - a copy whose cells the learner never edited is replaced by the new version (only outputs go);
//   - an edited copy is kept, and the new version is written beside it as NN-name.course-update.ipynb.
// Each copy remembers which course version it came from (a hash of its cells, in its metadata).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const WORKSPACE_DIR = "my-notebooks";

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  metadata?: Record<string, unknown>;
}

interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown> & { course?: { source: string; sourceHash: string } };
  nbformat: number;
  nbformat_minor: number;
}

const text = (source: string | string[]): string => (Array.isArray(source) ? source.join("") : source);

/** A hash of what a person writes in a notebook (cell kinds and sources), blind to outputs and counts. */
export function cellsHash(notebook: Notebook): string {
  const cells = notebook.cells.map((cell) => [cell.cell_type, text(cell.source)]);
  return createHash("sha256").update(JSON.stringify(cells)).digest("hex").slice(0, 16);
}

function readNotebook(file: string): Notebook {
  const data = JSON.parse(readFileSync(file, "utf8")) as Notebook;
  if (!Array.isArray(data.cells)) throw new Error(`${file} is not a notebook in nbformat 4 (no "cells" list)`);
  return data;
}

/** The course version as a fresh working copy: no outputs, and a note of where it came from. */
function freshCopy(course: Notebook, source: string): Notebook {
  const cells = course.cells.map((cell) => (cell.cell_type === "code" ? { ...cell, outputs: [], execution_count: null } : cell));
  return { ...course, cells, metadata: { ...course.metadata, course: { source, sourceHash: cellsHash(course) } } };
}

function write(file: string, notebook: Notebook): void {
  writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
}

export type SyncAction = "created" | "unchanged" | "updated" | "kept, update written beside it" | "unreadable, left alone";

export interface SyncResult {
  notebook: string;
  action: SyncAction;
  /** The file the learner should look at for news (the update written beside an edited copy). */
  note?: string;
}

/**
 * Bring `my-notebooks/` up to date with the course's notebooks (paths relative to `root`).
 * Never overwrites a cell a learner wrote.
 */
export function syncWorkspace(root: string, courseNotebooks: readonly string[]): SyncResult[] {
  const workspace = path.join(root, WORKSPACE_DIR);
  mkdirSync(workspace, { recursive: true });
  const results: SyncResult[] = [];
  for (const relative of courseNotebooks) {
    const name = path.basename(relative);
    const mine = path.join(workspace, name);
    const course = readNotebook(path.join(root, relative));
    const courseHash = cellsHash(course);
    if (!existsSync(mine)) {
      write(mine, freshCopy(course, relative));
      results.push({ notebook: name, action: "created" });
      continue;
    }
    let copy: Notebook;
    try {
      copy = readNotebook(mine);
    } catch {
      results.push({
        notebook: name,
        action: "unreadable, left alone",
        note: `${WORKSPACE_DIR}/${name} is not a readable notebook; rename it and run npm start again for a fresh copy`,
      });
      continue;
    }
    const cameFrom = copy.metadata.course?.sourceHash;
    if (cameFrom === courseHash) {
      results.push({ notebook: name, action: "unchanged" });
    } else if (cameFrom !== undefined && cellsHash(copy) === cameFrom) {
      write(mine, freshCopy(course, relative)); // the learner wrote nothing: take the new version
      results.push({ notebook: name, action: "updated" });
    } else {
      const update = name.replace(/\.ipynb$/, ".course-update.ipynb");
      write(path.join(workspace, update), freshCopy(course, relative));
      results.push({ notebook: name, action: "kept, update written beside it", note: `${WORKSPACE_DIR}/${update}` });
    }
  }
  return results;
}

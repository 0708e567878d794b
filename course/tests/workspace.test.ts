// my-notebooks/: learners run their own copies, the course's notebooks stay clean, updates merge.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syncWorkspace } from "../jupyter/workspace";

let root: string;
const course = "notebooks/01-x.ipynb";

function notebook(sources: string[], outputs: unknown[] = []): string {
  const cells = sources.map((source) => ({ cell_type: "code", source, metadata: {}, outputs, execution_count: outputs.length ? 1 : null }));
  return JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
}
interface NotebookCell {
  source: string | string[];
  outputs?: unknown[];
}
/** What these tests read of a notebook; every notebook they write has at least one cell. */
interface NotebookJson {
  cells: [NotebookCell, ...NotebookCell[]];
}
const read = (relative: string): NotebookJson => JSON.parse(readFileSync(path.join(root, relative), "utf8")) as NotebookJson;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "course-workspace-test-"));
  mkdirSync(path.join(root, "notebooks"));
  writeFileSync(path.join(root, course), notebook(["1 + 1"]));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("syncWorkspace", () => {
  it("copies each course notebook once, without outputs, and leaves the course's file untouched", () => {
    const before = readFileSync(path.join(root, course), "utf8");
    expect(syncWorkspace(root, [course])).toEqual([{ notebook: "01-x.ipynb", action: "created" }]);
    expect(read("my-notebooks/01-x.ipynb").cells[0].source).toBe("1 + 1");
    // The learner runs it: outputs land in their copy only.
    writeFileSync(
      path.join(root, "my-notebooks/01-x.ipynb"),
      JSON.stringify({
        ...read("my-notebooks/01-x.ipynb"),
        cells: [{ cell_type: "code", source: "1 + 1", metadata: {}, outputs: [{ output_type: "stream", name: "stdout", text: "2" }], execution_count: 1 }],
      }),
    );
    expect(syncWorkspace(root, [course])[0]!.action).toBe("unchanged");
    expect(read("my-notebooks/01-x.ipynb").cells[0].outputs).toHaveLength(1); // outputs kept
    expect(readFileSync(path.join(root, course), "utf8")).toBe(before);
  });

  it("takes a course update into a copy the learner only ran, but never overwrites one they edited", () => {
    syncWorkspace(root, [course]);
    writeFileSync(path.join(root, course), notebook(["1 + 2"])); // the course changes
    expect(syncWorkspace(root, [course])[0]!.action).toBe("updated");
    expect(read("my-notebooks/01-x.ipynb").cells[0].source).toBe("1 + 2");

    const mine = read("my-notebooks/01-x.ipynb");
    mine.cells[0].source = "const myPrediction = 7;"; // the learner writes in a cell
    writeFileSync(path.join(root, "my-notebooks/01-x.ipynb"), JSON.stringify(mine));
    writeFileSync(path.join(root, course), notebook(["1 + 3"])); // the course changes again
    const [result] = syncWorkspace(root, [course]);
    expect(result).toEqual({ notebook: "01-x.ipynb", action: "kept, update written beside it", note: "my-notebooks/01-x.course-update.ipynb" });
    expect(read("my-notebooks/01-x.ipynb").cells[0].source).toBe("const myPrediction = 7;");
    expect(read("my-notebooks/01-x.course-update.ipynb").cells[0].source).toBe("1 + 3");
  });

  it("leaves a copy it cannot read alone, and says what to do", () => {
    syncWorkspace(root, [course]);
    writeFileSync(path.join(root, "my-notebooks/01-x.ipynb"), "{ half a notebook");
    const [result] = syncWorkspace(root, [course]);
    expect(result!.action).toBe("unreadable, left alone");
    expect(result!.note).toMatch(/rename it and run npm start again/);
    expect(readFileSync(path.join(root, "my-notebooks/01-x.ipynb"), "utf8")).toBe("{ half a notebook");
  });
});

// npm run handout: the learners' copy has no model answers, no maintainers' tools, clean notebooks,
// and a README and package.json for learners. (CI installs such a copy and runs its `npm run check`.)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseRoot } from "../foundation/layout";
import { runCourseCommand } from "./helpers/course-command";

let scratch: string;
let copy: string;

/** Run the handout as `npm run handout` would from the scratch folder (npm sets INIT_CWD to where it was typed). */
const handout = (...args: string[]) => runCourseCommand(courseRoot, "handout.ts", args, { env: { ...process.env, INIT_CWD: scratch } });

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "course-handout-test-"));
  copy = path.join(scratch, "copy");
  const { code, out } = await handout("copy");
  expect(code, out).toBe(0);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));

describe("npm run handout", () => {
  it("leaves out the model answers and the maintainers' tools, and keeps everything a learner runs", () => {
    const all = files(copy);
    expect(all.filter((f) => f.startsWith("solutions/"))).toEqual([]);
    for (const gone of [".ci/run", "course/AUTHORING.md", "course/cli/test.ts", "course/cli/bench.ts", "course/cli/handout.ts"])
      expect(all).not.toContain(gone);
    expect(all.some((f) => f.startsWith("course/bench/") || f.startsWith("course/tests/"))).toBe(false);
    for (const kept of [
      "package-lock.json",
      "course/kernel/launch.cjs",
      "course/cli/grade.ts",
      "course/cli/check-learner-copy.ts",
      "course/lab-snapshot.json",
      "labs/00-welcome/stat.ts",
      "notebooks/00-welcome.ipynb",
    ]) {
      expect(all, `${kept} must be in the learners' copy`).toContain(kept);
    }
    // Every lab test is there: the learner grades with them.
    const tests = (root: string) =>
      files(path.join(root, "labs"))
        .filter((f) => f.includes("/tests/"))
        .sort();
    expect(tests(copy)).toEqual(tests(courseRoot));
  });

  it("gives learners npm run check instead of the maintainers' scripts, and a README without their sections", () => {
    const { scripts } = JSON.parse(readFileSync(path.join(copy, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["start", "grade", "hint", "watch", "reset", "notebooks", "check"]));
    for (const gone of ["test", "bench", "handout", "roster", "course:freeze"]) expect(scripts).not.toHaveProperty(gone);
    const readme = readFileSync(path.join(copy, "README.md"), "utf8");
    expect(readme).toMatch(/## This copy/);
    expect(readme).not.toMatch(/## For maintainers|## For instructors|handout:omit/);
    expect(readme).not.toMatch(/`npm test`|npm run bench|solutions\//);
    expect(readme).toMatch(/npm run check/);
  });

  it("clears every notebook's outputs", () => {
    for (const name of readdirSync(path.join(copy, "notebooks"))) {
      const notebook = JSON.parse(readFileSync(path.join(copy, "notebooks", name), "utf8")) as { cells: { cell_type: string; outputs?: unknown[] }[] };
      for (const cell of notebook.cells) if (cell.cell_type === "code") expect(cell.outputs, name).toEqual([]);
    }
  });

  it("refuses a folder that is not empty, or one inside the course, and writes nothing", async () => {
    const full = path.join(scratch, "full");
    mkdirSync(full);
    writeFileSync(path.join(full, "keep.txt"), "mine");
    const refused = await handout("full");
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/is not empty; choose a new or empty folder \(nothing was written\)/);
    expect(readdirSync(full)).toEqual(["keep.txt"]);
    const inside = await handout(path.join(courseRoot, "labs", "copy"));
    expect(inside.code).toBe(1);
    expect(inside.out).toMatch(/inside the course folder/);
    expect(existsSync(path.join(courseRoot, "labs", "copy"))).toBe(false);
    const usage = await handout();
    expect(usage.code).toBe(2);
    expect(usage.out).toMatch(/Name the folder/);
  });
});

// The authors' commands: `npm test`'s options (one chapter, unknown options refused) and
// `npm run course:new`, whose scaffold must pass `npm test -- NN` in a copy of the course at once.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseRoot } from "../foundation/layout";
import { regularFilesUnder } from "../foundation/tree";
import { chapters } from "../manifest";
import { runCourseCommand } from "./helpers/course-command";

/** A command of the course at `root` (its own copy of the script, so its own root). */
const run = (root: string, cli: string, args: string[]) => runCourseCommand(root, cli, args);

describe("npm test's options", () => {
  it("refuses an unknown option with exit 2 and the usage that lists every option", async () => {
    const { code, out } = await run(courseRoot, "test.ts", ["--bogus"]);
    expect(code).toBe(2);
    expect(out).toMatch(/^unknown option "--bogus"\nusage: npm test/);
    for (const flag of ["--no-notebooks", "--no-machinery", "--dry-run", "--help"]) expect(out).toContain(flag);
  });

  it("names the chapters when a chapter is unknown, with exit 2", async () => {
    const { code, out } = await run(courseRoot, "test.ts", ["99"]);
    expect(code).toBe(2);
    expect(out).toMatch(/no lab called "99"/);
    expect(out).toContain("00-welcome");
  });

  it("-- 00 plans chapter 00 alone: its labs and notebook, no machinery tests", async () => {
    const { code, out } = await run(courseRoot, "test.ts", ["00", "--dry-run"]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/^npm test would check chapter 00-welcome, in these steps:/);
    expect(out).toMatch(/solutions pass every test \(chapter 00-welcome\)/);
    expect(out).toMatch(/untouched starters fail every test \(chapter 00-welcome\)/);
    expect(out).toMatch(/notebooks run .*chapter 00-welcome\)/);
    expect(out).not.toMatch(/machinery tests/);
    for (const other of chapters.slice(1)) expect(out).not.toContain(`${other.number}-${other.slug}`);
  });

  it("with no chapter plans every chapter and the machinery tests; --no-notebooks drops the notebooks", async () => {
    const all = await run(courseRoot, "test.ts", ["--dry-run"]);
    expect(all.code, all.out).toBe(0);
    expect(all.out).toContain(`all ${chapters.length} chapters`);
    expect(all.out).toMatch(/machinery tests/);
    expect(all.out).toMatch(/notebooks run/);
    const quick = await run(courseRoot, "test.ts", ["--dry-run", "--no-notebooks", "--no-machinery"]);
    expect(quick.out).not.toMatch(/notebooks run|machinery tests/);
  });
});

describe("npm run course:new", () => {
  let scratch: string;
  let copy: string;
  const number = String(Math.max(...chapters.map((c) => Number(c.number))) + 1).padStart(2, "0");
  const slug = "scaffold-probe";

  /** Every file of the copy with its contents (node_modules left out): proof that nothing was written. */
  function tree(): Map<string, string> {
    const files = new Map<string, string>();
    // Not followed: node_modules here is a link (reading all of it ran a test process out of memory).
    for (const file of regularFilesUnder(copy)) files.set(file, readFileSync(path.join(copy, file), "utf8"));
    return files;
  }

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "course-new-chapter-test-"));
    copy = path.join(scratch, "course-copy");
    for (const part of [
      "course",
      "labs",
      "solutions",
      "notebooks",
      "README.md",
      "package.json",
      "tsconfig.json",
      "vitest.config.ts",
      "eslint.config.js",
      ".prettierrc.json",
      ".prettierignore",
    ]) {
      cpSync(path.join(courseRoot, part), path.join(copy, part), { recursive: true });
    }
    // Linked, not copied; tree() does not follow the link.
    symlinkSync(path.join(courseRoot, "node_modules"), path.join(copy, "node_modules"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("refuses missing arguments, a number taken, a slug not in kebab-case, with exit 2, and writes nothing", async () => {
    const before = tree();
    const cases: [string[], RegExp][] = [
      [[], /expected a number and a slug, got nothing/],
      [[number], /expected a number and a slug/],
      [["00", "anything"], /chapter 00-welcome already has that number; the next free number is/],
      [[number, "Not_Kebab"], /the slug must be kebab-case/],
      [[number, "welcome"], /chapter 00-welcome already has that slug/],
      [["7", slug], /two digits/],
      [[number, slug, "--force"], /unknown option "--force"/],
    ];
    // Side by side: each is refused before it writes, so they cannot disturb one another.
    const runs = await Promise.all(cases.map(([args]) => run(copy, "new-chapter.ts", args)));
    for (const [i, [, message]] of cases.entries()) {
      const { code, out } = runs[i]!;
      expect(code, out).toBe(2);
      expect(out).toMatch(message);
      expect(out).toMatch(/nothing was written\.\nusage: npm run course:new -- NN slug/);
      expect(out).not.toMatch(/^\s+at /m);
    }
    expect(tree()).toEqual(before);
  });

  it("scaffolds a chapter that passes npm test -- NN at once: integrity, starter fails, solution passes, notebook runs", { timeout: 300_000 }, async () => {
    const made = await run(copy, "new-chapter.ts", [number, slug]);
    expect(made.code, made.out).toBe(0);
    const dir = `${number}-${slug}`;
    for (const file of [
      `course/chapters/${dir}.ts`,
      `labs/${dir}/lab.ts`,
      `labs/${dir}/tests/describeSelf.test.ts`,
      `solutions/${dir}/lab.ts`,
      `notebooks/${dir}.ipynb`,
    ]) {
      expect(existsSync(path.join(copy, file)), file).toBe(true);
    }
    expect(readFileSync(path.join(copy, "README.md"), "utf8")).toMatch(new RegExp(`^\\| ${number} \\|.*labs/${dir}`, "m"));
    const checked = await run(copy, "test.ts", [number]);
    expect(checked.code, checked.out).toBe(0);
    expect(checked.out).toMatch(new RegExp(`${dir}: 1/1 passed`));
    expect(checked.out).toMatch(new RegExp(`${dir}: 1/1 failed`));
    expect(checked.out).toMatch(/notebooks: 1 passed, 0 failed[\s\S]*notebooks: 1 passed, 0 failed/);
    expect(checked.out).toMatch(/check: \d+ passed, 0 failed/);
    // The chapter is taken now: a second scaffold of it is refused.
    const again = await run(copy, "new-chapter.ts", [number, slug]);
    expect(again.code).toBe(2);
    expect(again.out).toMatch(new RegExp(`chapter ${dir} already has that number`));
  });
});

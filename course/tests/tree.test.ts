// The course lists a folder's files the same way on every Node: a link to a folder is not followed
// (from Node 24 on, a recursive readdirSync follows it; the grader's list of a lab's test files
// and the layer check walk with regularFilesUnder instead).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { regularFilesUnder } from "../foundation/tree";

const scratch = mkdtempSync(path.join(os.tmpdir(), "course-tree-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("regularFilesUnder", () => {
  it("lists the regular files below a folder, not what is behind a link to a folder (but tells of the link), and skips what it is told to", () => {
    const tests = path.join(scratch, "tests");
    const elsewhere = path.join(scratch, "elsewhere");
    mkdirSync(path.join(tests, "fixtures"), { recursive: true });
    mkdirSync(path.join(tests, "node_modules"));
    mkdirSync(elsewhere);
    writeFileSync(path.join(tests, "a.test.ts"), "");
    writeFileSync(path.join(tests, "fixtures", "b.ts"), "");
    writeFileSync(path.join(tests, "node_modules", "c.ts"), "");
    writeFileSync(path.join(elsewhere, "behind.test.ts"), "");
    symlinkSync(elsewhere, path.join(tests, "linked"));
    expect(regularFilesUnder(tests).sort()).toEqual(["a.test.ts", path.join("fixtures", "b.ts"), path.join("node_modules", "c.ts")]);
    const links: string[] = [];
    const kept = regularFilesUnder(tests, { skip: (relative) => path.basename(relative) === "node_modules", onLink: (relative) => links.push(relative) });
    expect(kept.sort()).toEqual(["a.test.ts", path.join("fixtures", "b.ts")]);
    expect(links).toEqual(["linked"]);
  });
});

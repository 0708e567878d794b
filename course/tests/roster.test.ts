// npm run roster: a class table from many learners' grade reports, bad files named and skipped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseRoot } from "../foundation/layout";
import { runCourseCommand } from "./helpers/course-command";

let folder: string;

/** Run the roster as `npm run roster` would from `folder` (npm sets INIT_CWD to where it was typed). */
async function roster(...args: string[]) {
  const { code, stdout, stderr } = await runCourseCommand(courseRoot, "roster.ts", args, { env: { ...process.env, INIT_CWD: folder } });
  return { code, out: stdout, err: stderr };
}

const report = (labs: object[], extra: object = {}): string => JSON.stringify({ when: "2026-11-01T10:00:00Z", labs, ...extra });

beforeAll(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), "course-roster-test-"));
  writeFileSync(
    path.join(folder, "alice.json"),
    report([
      { lab: "00-welcome", earned: 10, possible: 10 },
      { lab: "04-stdin-lines", earned: 12, possible: 20 },
    ]),
  );
  writeFileSync(path.join(folder, "b.json"), report([{ lab: "00-welcome", earned: 5, possible: 10 }], { learner: "Bob, Jr." }));
  writeFileSync(path.join(folder, "garbage.json"), "this is not json");
  writeFileSync(path.join(folder, "package.json"), JSON.stringify({ name: "not a report" }));
  writeFileSync(path.join(folder, "forged.json"), report([{ lab: "00-welcome", earned: 50, possible: 10 }]));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("npm run roster", () => {
  it("prints learner × lab points with totals, and writes the same as CSV", async () => {
    const { code, out } = await roster("alice.json", "b.json", "--csv", "class.csv");
    expect(code).toBe(0);
    expect(out).toMatch(/^alice\s+10\s+-\s+-\s+-\s+12\s.*\s22$/m);
    expect(out).toMatch(/^Bob, Jr\.\s+5\s.*\s5$/m);
    for (const line of out.split("\n")) expect(line.length, `"${line}" is wider than 80 columns`).toBeLessThanOrEqual(80);
    const csv = readFileSync(path.join(folder, "class.csv"), "utf8").split("\r\n");
    expect(csv[0]).toMatch(/^learner,00-welcome,01-processes-threads,.*,total,possible$/);
    expect(csv[1]).toMatch(/^alice,10,,,,12,(,)*22,\d+$/);
    expect(csv[2]).toMatch(/^"Bob, Jr\.",5,/); // a comma in a name is quoted, not a new column
  });

  it("names every file that is not a grade report and skips it, counting the others", async () => {
    const { code, out, err } = await roster(".", "missing.json", "--csv", "all.csv");
    expect(code).toBe(0);
    expect(err).toMatch(/skipped garbage\.json: not JSON/);
    expect(err).toMatch(/skipped package\.json: JSON, but not a grade report/);
    expect(err).toMatch(/skipped forged\.json: lab entry 1 is not a lab grade/);
    expect(err).toMatch(/skipped missing\.json: no such file/);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(out).toMatch(/^alice/m);
    expect(out).toMatch(/2 learner\(s\)/);
  });

  it("fails with a sentence, not a crash, when nothing can be read or the CSV cannot be written", async () => {
    const none = await roster("garbage.json");
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/No grade report could be read/);
    const unwritable = await roster("alice.json", "--csv", "no/such/folder/x.csv");
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toMatch(/Could not write the CSV .*ENOENT/);
    const usage = await roster();
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/Usage: npm run roster/);
    const unknown = await roster("alice.json", "--bogus");
    expect(unknown.code).toBe(2);
  });
});

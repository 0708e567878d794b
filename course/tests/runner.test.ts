// The headless runner and the course kernel, end to end on small notebooks.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseRoot } from "../impl";
import { runNotebook } from "../runner/execute";
import type { Notebook } from "../runner/nbformat";
import { pidsWithEnv } from "../testkit/processes";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "course-runner-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeNotebook(name: string, sources: string[]): string {
  const notebook: Notebook = {
    cells: sources.map((source, i) => ({ cell_type: "code", id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: "unix-ipc-ts" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(notebook));
  return file;
}

/** Run with a marker in the environment, so we can prove no kernel survives. */
async function runMarked(file: string, cellTimeoutMs = 60_000) {
  const mark = randomBytes(6).toString("hex");
  process.env.COURSE_RUNNER_TEST = mark;
  try {
    const run = await runNotebook(file, { cellTimeoutMs, outputDir: dir });
    const executed = JSON.parse(readFileSync(run.executedCopy, "utf8")) as Notebook;
    return { run, executed, survivors: pidsWithEnv("COURSE_RUNNER_TEST", mark) };
  } finally {
    delete process.env.COURSE_RUNNER_TEST;
  }
}

describe("headless runner", () => {
  it("delivers every line of a 20,000-line burst, then finishes the cell", async () => {
    const file = writeNotebook("burst.ipynb", ["for (let i = 0; i < 20000; i++) console.log(`line ${i}`);", "console.log('next cell');"]);
    const { run, executed, survivors } = await runMarked(file);
    expect(run.failures).toEqual([]);
    const first = executed.cells[0]!.outputs!;
    expect(first).toHaveLength(1); // merged into one stream output
    const lines = (first[0] as { text: string }).text.trimEnd().split("\n");
    expect(lines).toHaveLength(20000);
    expect(lines.at(-1)).toBe("line 19999");
    expect(executed.cells[1]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "next cell\n" }]);
    expect(executed.cells.map((c) => c.execution_count)).toEqual([1, 2]);
    expect(survivors).toEqual([]);
  });

  it("reports a failing cell by number with its stderr, and still runs the cells after it", async () => {
    const file = writeNotebook("errors.ipynb", [
      "const ok = 1;",
      "const wrong: number = 'text';",
      "throw new RangeError('boom in cell 3');",
      "console.log('cell 4 ran');",
    ]);
    const { run, executed } = await runMarked(file);
    expect(run.failures.map((f) => [f.cell, f.kind])).toEqual([[2, "error"], [3, "error"]]);
    expect(run.failures[0]!.message).toMatch(/not assignable to type 'number'/);
    expect(run.failures[1]!.message).toMatch(/RangeError: boom in cell 3/);
    expect(executed.cells[2]!.outputs!.some((o) => o.output_type === "error")).toBe(true);
    expect(executed.cells[3]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: "cell 4 ran\n" }]);
  });

  it("interrupts a cell over its time limit, reports it, and leaves no kernel running", async () => {
    const file = writeNotebook("hang.ipynb", ["console.log('before');", "while (true) {}", "console.log('never');"]);
    const { run, survivors } = await runMarked(file, 3_000);
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]).toMatchObject({ cell: 2, kind: "timeout" });
    expect(survivors).toEqual([]);
  });

  it("stores display data without the transient part", async () => {
    const file = writeNotebook("display.ipynb", ['import * as tslab from "tslab";\ntslab.display.svg("<svg xmlns=\'http://www.w3.org/2000/svg\'></svg>");']);
    const { run, executed } = await runMarked(file);
    expect(run.failures).toEqual([]);
    const output = executed.cells[0]!.outputs![0]!;
    expect(output).toMatchObject({ output_type: "display_data", data: { "image/svg+xml": expect.stringContaining("<svg") } });
    expect(output).not.toHaveProperty("transient");
  });

  it("runs from any working directory, with the kernel in the course root", () => {
    const file = writeNotebook("cwd.ipynb", ['import { parseStat } from "./solutions/00-welcome/stat";\nconsole.log(process.cwd(), typeof parseStat);']);
    const cli = path.join(courseRoot, "course", "cli", "notebooks.ts");
    const tsx = path.join(courseRoot, "node_modules", "tsx", "dist", "cli.mjs");
    const result = spawnSync(process.execPath, [tsx, cli, file], { cwd: os.tmpdir(), encoding: "utf8" });
    expect(result.stdout).toMatch(/1 passed, 0 failed/);
    expect(result.status).toBe(0);
    const executed = JSON.parse(readFileSync(path.join(courseRoot, ".course", "notebooks", "cwd.ipynb"), "utf8")) as Notebook;
    expect(executed.cells[0]!.outputs).toEqual([{ output_type: "stream", name: "stdout", text: `${courseRoot} function\n` }]);
  });
});

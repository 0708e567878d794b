// The course's TypeScript loader (course/foundation/ts-loader/): what the npm scripts, the tests and
// the grader run TypeScript with. It must run what tsx runs for the course's programs, name the
// .ts lines in a stack trace, leave no process of its own, and never serve stale JavaScript.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TS_CACHE_VARIABLE, tsNodeArgs } from "../foundation/run-typescript";

const scratch = mkdtempSync(path.join(os.tmpdir(), "course-ts-loader-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Write `files` (path relative to a new folder → contents); the folder. */
function program(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node <the course's loader> <file>`, with these extra environment variables. */
function run(file: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...tsNodeArgs, file], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

describe("the course's TypeScript loader", () => {
  it("runs TypeScript that imports ./x, ./x.js and a folder, as tsx does", async () => {
    const dir = program("imports", {
      "main.ts": [
        'import { one } from "./one";',
        'import { two } from "./two.js";',
        'import { three } from "./kit";',
        "enum Colour { Red = 1 }",
        "class Box { constructor(private readonly n: number) {} get value(): number { return this.n; } }",
        "console.log(one + two + three + Colour.Red + new Box(4).value);",
      ].join("\n"),
      "one.ts": "export const one: number = 1;",
      "two.ts": "export const two: number = 2;",
      "kit/index.ts": "export const three: number = 3;",
    });
    const result = await run(path.join(dir, "main.ts"));
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("11");
  });

  it("names the .ts file's own line and column in a stack trace", async () => {
    const dir = program("trace", {
      "fails.ts": ["interface Shape { sides: number }", "const square: Shape = { sides: 4 };", "", "throw new Error(`sides: ${square.sides}`);"].join("\n"),
    });
    const result = await run(path.join(dir, "fails.ts"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Error: sides: 4");
    expect(result.stderr).toContain(`${path.join(dir, "fails.ts")}:4:7`);
  });

  it("reports a syntax error with esbuild's own words: the file, its line and column", async () => {
    const dir = program("syntax", { "broken.ts": "const ok: number = 1;\nconst broken: number = ;\nconsole.log(ok, broken);" });
    const result = await run(path.join(dir, "broken.ts"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`esbuild could not compile ${path.join(dir, "broken.ts")}`);
    expect(result.stderr).toMatch(/broken\.ts:2:\d+/);
  });

  it("says what to do instead when a program require()s a .ts file", async () => {
    const dir = program("require", {
      "main.ts": 'import { createRequire } from "node:module";\ncreateRequire(import.meta.url)("./lib.ts");',
      "lib.ts": "export const x: number = 1;",
    });
    const result = await run(path.join(dir, "main.ts"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path.join(dir, "lib.ts")}: require() cannot load TypeScript here`);
    expect(result.stderr).toContain("import it instead");
  });

  it("leaves the program no child of its own, though esbuild ran to load it", async () => {
    // Every module here is new to the loader (no cache), so esbuild ran for each, and had exited
    // (reaped, not a zombie, which /proc would still list as a child) before the program started.
    const dir = program("children", {
      "main.ts": [
        'import { readdirSync, readFileSync } from "node:fs";',
        'import { helper } from "./helper";',
        "const children = readdirSync(`/proc/${process.pid}/task`).flatMap((tid) =>",
        '  readFileSync(`/proc/${process.pid}/task/${tid}/children`, "utf8").split(" ").filter((pid) => pid !== ""),',
        ");",
        "console.log(JSON.stringify({ helper, children }));",
      ].join("\n"),
      "helper.ts": "export const helper: string = 'loaded';",
    });
    const result = await run(path.join(dir, "main.ts"));
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ helper: "loaded", children: [] });
  });

  it(`with ${TS_CACHE_VARIABLE}, keeps the JavaScript there and never serves an edited file's old one`, async () => {
    const cache = path.join(scratch, "cache");
    const dir = program("cached", { "main.ts": 'const said: string = "first";\nconsole.log(said);' });
    const main = path.join(dir, "main.ts");
    expect((await run(main, { [TS_CACHE_VARIABLE]: cache })).stdout.trim()).toBe("first");
    expect(readdirSync(cache)).toHaveLength(1);
    expect((await run(main, { [TS_CACHE_VARIABLE]: cache })).stdout.trim()).toBe("first");
    expect(readdirSync(cache)).toHaveLength(1);
    writeFileSync(main, 'const said: string = "second";\nconsole.log(said);');
    expect((await run(main, { [TS_CACHE_VARIABLE]: cache })).stdout.trim()).toBe("second");
    expect(readdirSync(cache)).toHaveLength(2);
  });
});

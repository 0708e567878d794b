// Type-check twice: with the project's TypeScript (strict), and with tslab's
// own TypeScript 5.0 the way the kernel compiles what notebooks import
// (CommonJS, so `import.meta` and top-level `await` in a module are errors).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as TS from "typescript";
import { courseRoot } from "../foundation/layout";

const require = createRequire(import.meta.url);

/** Errors from `tsc -p .` with the project's strict settings, and from `tsc -p course/kernel` (the kernel's .cjs, checkJs). */
export function projectTypeErrors(): string[] {
  const tsc = require.resolve("typescript/bin/tsc");
  return [courseRoot, path.join(courseRoot, "course", "kernel")].flatMap((project) => {
    const result = spawnSync(process.execPath, [tsc, "-p", project, "--pretty", "false"], { cwd: courseRoot, encoding: "utf8" });
    if (result.status === 0) return [];
    return (result.stdout + result.stderr).split("\n").filter((line) => line.trim() !== "");
  });
}

/** Every non-test `.ts` file under labs/, solutions/ and course/notebook-kit/: what notebooks may import. */
export function notebookImportable(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "tests" && entry.name !== "node_modules") walk(full);
      else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(full);
    }
  };
  for (const top of ["labs", "solutions", "course/notebook-kit"]) walk(path.join(courseRoot, top));
  return files;
}

/** Errors tslab's TypeScript 5.0 reports for those files, compiled as it compiles them. */
export function tslabTypeErrors(files = notebookImportable()): string[] {
  const ts = require("@tslab/typescript-for-tslab") as typeof TS;
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [path.join(courseRoot, "node_modules", "@types")],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return `TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(courseRoot, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code}: ${message}`;
  });
}

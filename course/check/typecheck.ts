// Type-check twice: with the project's TypeScript (strict), and with tslab's
// own TypeScript 5.0 the way the kernel compiles what notebooks import
// (CommonJS, so `import.meta` and top-level `await` in a module are errors).
// (Its diagnostics are plain objects of the same shape, so one formatter serves both.)
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as TS from "typescript";
import { courseRoot } from "../foundation/layout";
import { ts } from "../foundation/typescript";
import { diagnosticLine, projectPrograms } from "./project-programs";

const require = createRequire(import.meta.url);

/**
 * What `tsc -p .` (the project's strict settings) and `tsc -p course/kernel` (the kernel's .cjs,
 * checkJs) report, from the programs npm test shares (project-programs.ts).
 */
export function projectTypeErrors(): string[] {
  const { course, kernel, configProblems } = projectPrograms();
  return [...configProblems, ...[course, kernel].flatMap((program) => ts.getPreEmitDiagnostics(program).map((d) => diagnosticLine(d)))];
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
  const tslab = require("@tslab/typescript-for-tslab") as typeof TS;
  const program = tslab.createProgram(files, {
    module: tslab.ModuleKind.CommonJS,
    moduleResolution: tslab.ModuleResolutionKind.Node10,
    target: tslab.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    strict: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [path.join(courseRoot, "node_modules", "@types")],
  });
  return tslab.getPreEmitDiagnostics(program).map((d) => diagnosticLine(d));
}

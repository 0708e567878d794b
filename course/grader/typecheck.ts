// The lab's own files type-checked with the project's TypeScript and options:
// a type error is a bug the tests may or may not reach, so the grader shows it
// (file:line, above the table) but grades the tests all the same.
import path from "node:path";
import ts from "typescript";
import { type Chapter } from "../manifest";
import { courseRoot, type Impl, labId } from "../foundation/layout";

export interface TypeProblem {
  /** Relative to the course root: "labs/04-stdin-lines/lines.ts". */
  file: string;
  line: number;
  column: number;
  /** "TS2322: Type 'string' is not assignable to type 'number'." (first line of TypeScript's message chain) */
  message: string;
}

let options: ts.CompilerOptions | undefined;

/** The project's compiler options (tsconfig.json), checking only: nothing is written, libraries are trusted. */
function projectOptions(): ts.CompilerOptions {
  if (options) return options;
  const file = path.join(courseRoot, "tsconfig.json");
  const read = ts.readConfigFile(file, (name) => ts.sys.readFile(name));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, courseRoot, undefined, file);
  options = { ...parsed.options, noEmit: true, skipLibCheck: true, incremental: false, composite: false };
  delete options.tsBuildInfoFile;
  return options;
}

/** Type errors in the lab's files (labs/ or solutions/, as graded); [] when they type-check. */
export function typeCheckLab(chapter: Chapter, impl: Impl): TypeProblem[] {
  return typeCheckFiles(`${impl}/${labId(chapter)}`, chapter.lab.files);
}

/**
 * Type errors in `files` of `folder` (relative to the course root), and in
 * whatever else of that folder they import; errors in other code they import
 * (the course's own modules) are not the learner's and are not reported.
 */
export function typeCheckFiles(folder: string, files: string[]): TypeProblem[] {
  const roots = files.map((file) => path.join(courseRoot, folder, file)).filter((file) => ts.sys.fileExists(file));
  if (roots.length === 0) return [];
  const program = ts.createProgram(roots, projectOptions());
  const inLab = `${path.join(courseRoot, folder)}/`;
  const problems: TypeProblem[] = [];
  for (const source of program.getSourceFiles()) {
    if (!source.fileName.startsWith(inLab) || source.fileName.includes("/tests/")) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const diagnostic of diagnostics) {
      const { line, character } = diagnostic.start === undefined ? { line: 0, character: 0 } : source.getLineAndCharacterOfPosition(diagnostic.start);
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n").split("\n")[0] ?? "";
      problems.push({ file: path.relative(courseRoot, source.fileName), line: line + 1, column: character + 1, message: `TS${diagnostic.code}: ${text}` });
    }
  }
  return problems;
}

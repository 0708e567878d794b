// The lab's own files type-checked with the project's TypeScript and options:
// a type error is a bug the tests may or may not reach, so the grader shows it
// (file:line, above the table) but grades the tests all the same.
import path from "node:path";
import type * as TS from "typescript";
import { ts } from "../foundation/typescript";
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

let options: TS.CompilerOptions | undefined;

/** The project's compiler options (tsconfig.json), checking only: nothing is written, libraries are trusted. */
function projectOptions(): TS.CompilerOptions {
  if (options) return options;
  const file = path.join(courseRoot, "tsconfig.json");
  const read = ts.readConfigFile(file, (name) => ts.sys.readFile(name));
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, courseRoot, undefined, file);
  options = { ...parsed.options, noEmit: true, skipLibCheck: true, incremental: false, composite: false };
  delete options.tsBuildInfoFile;
  return options;
}

/**
 * What a type check keeps for the next check of the same folder (watch mode checks a lab on every
 * save): the files outside the folder, parsed and bound once (Node's types, the libraries: they do
 * not change while the learner works), and the last program, whose structure TypeScript reuses.
 * The folder's own files are read again every time. A cold check of a small lab takes a few
 * hundred ms, mostly in those libraries; a warm one a fraction of that.
 */
interface CheckCache {
  host: TS.CompilerHost;
  last?: TS.Program;
}

const caches = new Map<string, CheckCache>();

function cacheFor(inFolder: string): CheckCache {
  const known = caches.get(inFolder);
  if (known) return known;
  const host = ts.createCompilerHost(projectOptions());
  const parsed = new Map<string, TS.SourceFile>();
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, shouldCreate) => {
    if (fileName.startsWith(inFolder)) return read(fileName, language, onError, shouldCreate);
    let source = parsed.get(fileName);
    if (!source) {
      source = read(fileName, language, onError, shouldCreate);
      if (source) parsed.set(fileName, source);
    }
    return source;
  };
  const cache: CheckCache = { host };
  caches.set(inFolder, cache);
  return cache;
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
  const inLab = `${path.join(courseRoot, folder)}/`;
  const cache = cacheFor(inLab);
  const program = ts.createProgram({ rootNames: roots, options: projectOptions(), host: cache.host, ...(cache.last ? { oldProgram: cache.last } : {}) });
  cache.last = program;
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

// The project's two TypeScript programs, each built once per `npm test` and shared by the steps
// that need the project's types: the strict type check reads their diagnostics, ESLint's
// type-aware rules read their types, and the newest-Node check and the starters' exports reuse
// their parsed files. Each step used to build its own (tsc twice, ESLint twice more, the
// newest-Node check once more): the same parsing and checking, about 15 s of CPU, done four times.
//   course: tsconfig.json (the course's TypeScript, strict), as `tsc -p .` builds it;
//   kernel: course/kernel/tsconfig.json (the kernel's .cjs, checked from their JSDoc).
import path from "node:path";
import type * as TS from "typescript";
import { courseRoot } from "../foundation/layout";
import { ts } from "../foundation/typescript";

export interface ProjectPrograms {
  course: TS.Program;
  kernel: TS.Program;
  /** What is wrong in the tsconfig files themselves, one line each (as diagnosticLine writes them). */
  configProblems: string[];
}

/** A diagnostic as one line, `file:line:col TScode: message` (the file relative to the course). */
export function diagnosticLine(d: TS.Diagnostic, note = ""): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return `TS${d.code}${note}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${path.relative(courseRoot, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code}${note}: ${message}`;
}

/** The parsed tsconfig at `configFile`, or the problems that kept it from being read. */
function parsedConfig(configFile: string, problems: string[]): TS.ParsedCommandLine | undefined {
  const config = ts.getParsedCommandLineOfConfigFile(configFile, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => problems.push(diagnosticLine(d)),
  });
  if (config) problems.push(...config.errors.map((d) => diagnosticLine(d)));
  return config;
}

/** The program `tsc -p <folder of configFile>` would check (its files narrowed to those `keep` keeps). */
function programOf(configFile: string, problems: string[], keep: (file: string) => boolean = () => true): TS.Program {
  const config = parsedConfig(configFile, problems);
  if (!config) return ts.createProgram({ rootNames: [], options: {} });
  return ts.createProgram({ rootNames: config.fileNames.filter(keep), options: config.options, projectReferences: config.projectReferences ?? [] });
}

let built: ProjectPrograms | undefined;
let courseFiles: ((file: string) => boolean) | undefined;

/**
 * Build the course's program from the files `keep` keeps (and what they import), not from all of
 * tsconfig.json's: `npm test -- NN` checks one chapter's files, what they import and what imports
 * them. Call it before anything builds the programs.
 */
export function narrowCourseProgram(keep: (file: string) => boolean): void {
  if (built) throw new Error("narrowCourseProgram: the programs are built already");
  courseFiles = keep;
}

/** The course's and the kernel's programs, built on first use (checking happens when asked). */
export function projectPrograms(): ProjectPrograms {
  if (!built) {
    const configProblems: string[] = [];
    built = {
      course: programOf(path.join(courseRoot, "tsconfig.json"), configProblems, courseFiles),
      kernel: programOf(path.join(courseRoot, "course", "kernel", "tsconfig.json"), configProblems),
      configProblems,
    };
  }
  return built;
}

// Type-check the course against the newest Node's API too. `@types/node` is pinned to Node 20, the
// oldest Node the course supports, so `tsc -p .` catches a call that Node 20 lacks. Learners also
// run Node 22 and 24, whose types may deprecate, narrow or drop what we use: this pass compiles the
// same tsconfig.json with `@types/node24` (an npm alias of @types/node 24) read in its place.
// Both cannot be installed under one name, and a tsconfig cannot swap them (other packages'
// `/// <reference types="node" />` would pull in Node 20's), so the compiler host redirects the files.
// Every other file is the same as in the project's program: its parsed copy is reused, not parsed again.
import { readFileSync } from "node:fs";
import path from "node:path";
import { courseRoot } from "../foundation/layout";
import { ts } from "../foundation/typescript";
import { diagnosticLine, projectPrograms } from "./project-programs";

/** The Node major whose types this pass uses; the devDependency `@types/node24` must match it. */
export const NEWEST_NODE = 24;

const OLDEST_TYPES = `${path.sep}@types${path.sep}node${path.sep}`;
const NEWEST_TYPES = `${path.sep}@types${path.sep}node${NEWEST_NODE}${path.sep}`;

/** Errors from the project's tsconfig.json compiled with Node 24's types instead of Node 20's. */
export function newestNodeTypeErrors(): string[] {
  const typesPackage = path.join(courseRoot, "node_modules", "@types", `node${NEWEST_NODE}`, "package.json");
  let version: string;
  try {
    version = (JSON.parse(readFileSync(typesPackage, "utf8")) as { version: string }).version;
  } catch {
    return [`@types/node${NEWEST_NODE} is not installed (${path.relative(courseRoot, typesPackage)}): run \`npm install\``];
  }
  if (!version.startsWith(`${NEWEST_NODE}.`))
    return [`@types/node${NEWEST_NODE} is version ${version}: alias it to @types/node@${NEWEST_NODE}.x in package.json`];

  const problems: string[] = [];
  // The course program's files and settings: all of tsconfig.json's, or one chapter's for `npm test -- NN`.
  const { course } = projectPrograms();
  const options = course.getCompilerOptions();
  const host = ts.createCompilerHost(options);
  const redirect = (file: string): string => file.replace(OLDEST_TYPES, NEWEST_TYPES);
  host.readFile = (file) => ts.sys.readFile(redirect(file));
  host.fileExists = (file) => ts.sys.fileExists(redirect(file));
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (file, ...rest) => (file.includes(OLDEST_TYPES) ? undefined : course.getSourceFile(file)) ?? parse(file, ...rest);
  const program = ts.createProgram({ rootNames: course.getRootFileNames(), options, host });
  const nodeTypes = program.getSourceFiles().filter((f) => f.fileName.includes(OLDEST_TYPES));
  if (nodeTypes.length === 0) problems.push("no @types/node file was compiled: the redirect to the newest Node's types did nothing");
  for (const d of ts.getPreEmitDiagnostics(program)) problems.push(diagnosticLine(d, ` (Node ${NEWEST_NODE} types)`));
  return problems;
}

// The machinery is built in layers, and a module imports only from its own layer or the ones
// below it. The foundation knows where things are and how to handle processes; the course
// description says what the chapters are; the machinery (grader, runner, checks...) runs on those;
// the kits that lab tests and notebooks import sit above the machinery, so the grader never
// depends on what a lab's tests are given; the commands (`npm run ...`) sit on top. An upward
// import would let a change to a learner's helper break the grader, or drag a command's
// dependencies into the foundation: this check finds every one.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ts } from "../foundation/typescript";
import { regularFilesUnder } from "../foundation/tree";

export interface Layer {
  name: string;
  /** Paths relative to the course root: a folder ends in "/", anything else is one file. */
  paths: readonly string[];
}

/** From the bottom up. */
export const LAYERS: readonly Layer[] = [
  { name: "foundation", paths: ["course/foundation/"] },
  { name: "course description", paths: ["course/chapters/", "course/manifest.ts", "vitest.config.ts"] },
  {
    name: "machinery",
    paths: ["course/grader/", "course/runner/", "course/check/", "course/jupyter/", "course/handout/", "course/roster/", "course/kernel/", "course/hub/"],
  },
  { name: "kits for lab tests and notebooks", paths: ["course/testkit/", "course/notebook-kit/"] },
  { name: "commands", paths: ["course/cli/", "course/authoring/", "course/bench/"] },
  { name: "the machinery's tests", paths: ["course/tests/"] },
];

const SOURCE = /\.(ts|cts|mts|js|cjs|mjs)$/;

/** The layer a file (relative to the course root, "/"-separated) belongs to, as an index into LAYERS; -1 for none. */
export function layerOf(file: string, layers: readonly Layer[] = LAYERS): number {
  return layers.findIndex((layer) => layer.paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
}

/** The source files (relative to the root, "/"-separated) in these layers' places. */
export function sourceFiles(root: string, layers: readonly Layer[]): string[] {
  const files: string[] = [];
  for (const place of layers.flatMap((layer) => layer.paths)) {
    const absolute = path.join(root, place);
    if (!existsSync(absolute)) continue;
    if (!place.endsWith("/")) {
      files.push(place);
      continue;
    }
    for (const file of regularFilesUnder(absolute, { skip: (relative) => path.basename(relative) === "node_modules" })) {
      if (SOURCE.test(file)) files.push(path.relative(root, path.join(absolute, file)).split(path.sep).join("/"));
    }
  }
  return files;
}

/** The file a relative import names (relative to the course root), or undefined for a package or node: import. */
export function importedFile(root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [target, `${target}.ts`, `${target}/index.ts`]) {
    if (existsSync(path.join(root, candidate)) && SOURCE.test(candidate)) return candidate;
  }
  return target;
}

/** What lab tests may import from the machinery: the test-kit, which ships with every learner's copy. */
export const LAB_TESTS_IMPORT = "course/testkit/";

/**
 * Labs and solutions stand on the course from outside: a lab's tests reach the machinery only
 * through the test-kit, and lab code (starters, solutions) not at all.
 */
function labProblems(root: string): string[] {
  const problems: string[] = [];
  for (const top of ["labs", "solutions"]) {
    for (const file of sourceFiles(root, [{ name: top, paths: [`${top}/`] }])) {
      const isTest = file.split("/").includes("tests");
      for (const { fileName } of ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true).importedFiles) {
        const target = importedFile(root, file, fileName);
        if (target === undefined || !target.startsWith("course/")) continue;
        if (isTest && `${target}/`.startsWith(LAB_TESTS_IMPORT)) continue;
        problems.push(
          isTest
            ? `${file} imports ${target}: a lab's tests use the machinery only through ${LAB_TESTS_IMPORT} (export what they need from there)`
            : `${file} imports ${target}: lab code (starters and solutions) does not depend on the course machinery`,
        );
      }
    }
  }
  return problems;
}

/**
 * Every import of a module from a higher layer, and every import of the machinery by a lab other
 * than its tests' use of the test-kit, one line each: who imports what, and why it may not.
 */
export function layerProblems(root: string, layers: readonly Layer[] = LAYERS): string[] {
  const problems: string[] = labProblems(root);
  for (const file of sourceFiles(root, layers)) {
    const own = layerOf(file, layers);
    const imports = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true).importedFiles;
    for (const { fileName } of imports) {
      const target = importedFile(root, file, fileName);
      if (target === undefined) continue;
      const theirs = layerOf(target, layers);
      if (theirs > own) {
        problems.push(
          `${file} imports ${target}: the ${layers[own]?.name} layer must not depend on the ${layers[theirs]?.name} layer above it (move the shared code down, see course/check/layers.ts)`,
        );
      }
    }
  }
  return problems.sort();
}

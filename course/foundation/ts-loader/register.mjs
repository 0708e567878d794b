// @ts-check
// The course's TypeScript loader: what its npm scripts, its tests and its grader run TypeScript with.
//
//   node --import ./course/foundation/ts-loader/register.mjs course/cli/grade.ts   (package.json)
//   node [...tsNodeArgs, "program.ts"]                           (course/foundation/run-typescript.ts)
//
// It strips the types with esbuild, as tsx does. tsx also does much that the course does not need,
// and on Node 20 it costs about 0.15 s of CPU to start a process; npm test starts several hundred.
// This loader costs about half of that. Learners run their own programs with tsx, as the notebooks
// show, and the two run the course's files alike. What the hooks do, and why: hooks.mjs.
import { createRequire, register } from "node:module";

// Node runs the hooks in a thread of its own and asks them about every module this program loads.
register("./hooks.mjs", import.meta.url);

// The JavaScript carries an inline source map: a stack trace then names the .ts file's own lines.
process.setSourceMapsEnabled(true);

// The hooks are for `import`. A require() of a .ts file would reach Node's own loader, which fails
// on the first type with a bare SyntaxError: say what to do instead.
createRequire(import.meta.url).extensions[".ts"] = (_module, file) => {
  throw new Error(`${file}: require() cannot load TypeScript here (course/foundation/ts-loader); import it instead: await import(pathToFileURL(file).href)`);
};

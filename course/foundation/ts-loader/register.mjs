// @ts-check
// The course's loader for TypeScript programs that tests, the grader and notebooks start:
//
//   node --import <this file> program.ts      (course/foundation/tsx.ts's tsNodeArgs)
//
// Learners run the same programs with tsx (`node --import tsx program.ts`, `npm run ...`). tsx
// does more than these programs need, and on Node 20 it costs about 0.15 s of CPU to start,
// which npm test pays some 300 times. This loader does what the course's programs need, with the
// same transform as tsx (esbuild's), for about half of that. What it does, and why, is in hooks.mjs.
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

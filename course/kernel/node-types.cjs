// @ts-check
// Cells compile against Node's types (@types/node, the oldest Node the course supports) and no
// other package's global types: what `npm test` checks notebooks' imports with (course/check/typecheck.ts).
//
// tslab sets no `types` option, so TypeScript would load every folder under node_modules/@types as
// global types: @types/node24 too (the newest-Node type check's copy, whose declarations merge into
// Node 20's, so a cell could call an API Node 20 lacks and compile), and chai, estree... (vitest's
// and ESLint's). Parsing them cost each kernel start about a third of its time. tslab takes no
// compiler options, so we narrow what its compiler sees when it lists a type root's packages.
"use strict";

const path = require("node:path");

/**
 * @param {string} courseRoot the course folder, whose node_modules/@types the kernel uses
 * @param {{ getDirectories(dir: string): string[] }} sys tslab's TypeScript's `ts.sys`, before tslab creates its compiler
 */
function onlyNodeTypes(courseRoot, sys) {
  const typeRoot = path.join(courseRoot, "node_modules", "@types");
  const getDirectories = sys.getDirectories.bind(sys);
  sys.getDirectories = (dir) => {
    const found = getDirectories(dir);
    return path.resolve(dir) === typeRoot ? found.filter((name) => name === "node") : found;
  };
}

module.exports = { onlyNodeTypes };

// @ts-check
// The hooks of the course's TypeScript loader (register.mjs registers them). Node calls them in a
// thread of its own, for every module a program imports.
//
// - resolve: `./trial` and `./trial.js` find `./trial.ts`, and `./kit` finds `./kit/index.ts`, as
//   they do under tsx and in the editor.
// - load: a .ts or .mts file becomes an ES module: esbuild strips its types (the transform tsx
//   uses, with the course's tsconfig.json), with an inline source map.
//
// esbuild's transform runs in a child process of its own (a Go program). It is stopped as soon as
// no transform waits on it, so a lab's program never has a child it did not start: the tests
// look at process trees, and the grader names every process a run leaves.
//
// When COURSE_TS_CACHE names a folder, the JavaScript is kept there, one file per source, and the
// next process reads it instead of starting esbuild. The grader and npm test set it to a scratch
// folder that they remove, so the cache never outlives the run that made it.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const courseRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tsconfig = readFileSync(path.join(courseRoot, "tsconfig.json"), "utf8");
const target = `node${process.versions.node}`;
const cacheDir = process.env.COURSE_TS_CACHE;
// esbuild's manifest names its version: a new esbuild makes new cache entries.
const esbuildManifest = readFileSync(createRequire(import.meta.url).resolve("esbuild/package.json"), "utf8");

/**
 * Where a relative import may find its TypeScript file when Node found none.
 * @param {string} specifier
 * @returns {string[]}
 */
function typescriptCandidates(specifier) {
  if (!specifier.startsWith(".") && !specifier.startsWith("/") && !specifier.startsWith("file:")) return [];
  if (/\.m?js$/.test(specifier)) return [specifier.replace(/js$/, "ts")];
  return [`${specifier}.ts`, `${specifier}/index.ts`];
}

/** @type {import("node:module").ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const { code } = /** @type {NodeJS.ErrnoException} */ (error);
    // Not found, or found a folder (`../notebook-kit` means its index.ts).
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT") throw error;
    for (const candidate of typescriptCandidates(specifier)) {
      try {
        return await nextResolve(candidate, context);
      } catch {
        // Not this one: try the next, then report the import as written.
      }
    }
    throw error;
  }
}

/** @type {import("node:module").LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !/\.m?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, "utf8");
  return { format: "module", source: await javascriptOf(file, source), shortCircuit: true };
}

/**
 * The JavaScript of one TypeScript file: from the cache, or from esbuild (then kept in the cache).
 * @param {string} file
 * @param {string} source
 * @returns {Promise<string>}
 */
async function javascriptOf(file, source) {
  if (cacheDir === undefined) return transpile(file, source);
  const key = createHash("sha256").update([esbuildManifest, target, tsconfig, file, source].join("\0")).digest("hex");
  const cached = path.join(cacheDir, `${key}.mjs`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    const code = await transpile(file, source);
    try {
      // Written whole, then renamed: a process reading the cache never sees half a file.
      mkdirSync(cacheDir, { recursive: true });
      const partial = `${cached}.${process.pid}`;
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      // A cache that cannot be written only costs the next process a transform.
    }
    return code;
  }
}

let transformsRunning = 0;

/**
 * esbuild's transform of one file, stopping esbuild's process once no transform waits on it.
 * @param {string} file
 * @param {string} source
 * @returns {Promise<string>}
 */
async function transpile(file, source) {
  // Loaded on first use: a program whose files are all cached never loads it.
  const esbuild = await import("esbuild");
  transformsRunning++;
  try {
    const result = await esbuild.transform(source, { loader: "ts", format: "esm", target, sourcemap: "inline", sourcefile: file, tsconfigRaw: tsconfig });
    return result.code;
  } finally {
    if (--transformsRunning === 0) await esbuild.stop();
  }
}

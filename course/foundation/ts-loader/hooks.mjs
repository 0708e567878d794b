// @ts-check
// The hooks of the course's TypeScript loader (register.mjs registers them). Node calls them in a
// thread of its own, for every module a program imports.
//
// - resolve: `./trial` and `./trial.js` find `./trial.ts`, and `./kit` finds `./kit/index.ts`, as
//   they do under tsx and in the editor.
// - load: a .ts or .mts file becomes an ES module: esbuild strips its types (the transform tsx
//   uses, with the course's tsconfig.json), with an inline source map.
//
// esbuild is a Go program: the hooks run it once per file, synchronously, and it has exited (and
// been reaped) before the file's JavaScript is returned. So a program never has a child it did
// not start, not even for a moment: the tests look at process trees, and the grader names every
// process a run leaves. (esbuild's JavaScript API would keep a service process running instead.)
//
// When COURSE_TS_CACHE names a folder, the JavaScript is kept there, one file per source, and the
// next process reads it instead of starting esbuild. The grader and npm test set it to a scratch
// folder that they remove, so the cache never outlives the run that made it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const courseRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tsconfig = readFileSync(path.join(courseRoot, "tsconfig.json"), "utf8");
const target = `node${process.versions.node}`;
// TS_CACHE_VARIABLE in run-typescript.ts (TypeScript, which this file cannot import).
const cacheDir = process.env.COURSE_TS_CACHE;
const esbuildPackage = createRequire(import.meta.url).resolve("esbuild/package.json");
// esbuild's manifest names its version: a new esbuild makes new cache entries.
const esbuildManifest = readFileSync(esbuildPackage, "utf8");
// The binary esbuild's own JavaScript would run: its platform's package, or ESBUILD_BINARY_PATH.
const esbuildBinary = process.env.ESBUILD_BINARY_PATH ?? binaryOf(`@esbuild/${process.platform}-${process.arch}`);

/**
 * @param {string} platformPackage
 * @returns {string}
 */
function binaryOf(platformPackage) {
  try {
    return createRequire(esbuildPackage).resolve(`${platformPackage}/bin/esbuild`);
  } catch (error) {
    throw new Error(`esbuild has no binary for this machine (${platformPackage} is not installed): run \`npm install\` in the course folder`, { cause: error });
  }
}

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
  return { format: "module", source: javascriptOf(file, source), shortCircuit: true };
}

/**
 * The JavaScript of one TypeScript file: from the cache, or from esbuild (then kept in the cache).
 * @param {string} file
 * @param {string} source
 * @returns {string}
 */
function javascriptOf(file, source) {
  if (cacheDir === undefined) return transpile(file, source);
  const key = createHash("sha256").update([esbuildManifest, target, tsconfig, file, source].join("\0")).digest("hex");
  const cached = path.join(cacheDir, `${key}.mjs`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    const code = transpile(file, source);
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

/**
 * esbuild's transform of one file: the types stripped, an inline source map appended.
 * @param {string} file
 * @param {string} source
 * @returns {string}
 */
function transpile(file, source) {
  const args = ["--loader=ts", "--format=esm", "--sourcemap=inline", `--sourcefile=${file}`, `--target=${target}`, `--tsconfig-raw=${tsconfig}`];
  try {
    return execFileSync(esbuildBinary, args, { input: source, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
  } catch (error) {
    // A syntax error: esbuild's own report names the file, line and column. (Not as the cause:
    // that error would repeat the whole command line, tsconfig.json and all.)
    const report = /** @type {{ stderr?: string }} */ (error).stderr?.trim();
    // eslint-disable-next-line preserve-caught-error -- the report is the whole story
    if (report) throw new Error(`esbuild could not compile ${file}:\n${report}`);
    throw new Error(`esbuild could not run (${esbuildBinary})`, { cause: error });
  }
}

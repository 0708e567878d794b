#!/usr/bin/env node
// @ts-check
// The course kernel: tslab, started from the course root, speaking proper Jupyter.
//
// Jupyter starts a kernel in the notebook's folder, but tslab only transpiles local `.ts` imports
// that live under its working directory. Notebooks import `./labs/...` and `./course/...`, so we
// change to the course root first. The rest lives in small modules beside this file:
//   kernel.cjs         the protocol: errors, results, execution counts, signatures, ports
//   send-queue.cjs     no message lost in a burst of output
//   parent-poller.cjs  the kernel dies with the front end that started it
//   wire.cjs           signing and framing
//   node-types.cjs     cells see Node's types only
//   watches.cjs        no watches inside node_modules
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const courseRoot = path.resolve(__dirname, "..", "..");
const connectionFile = process.argv[2];

if (!connectionFile || process.argv.length !== 3) {
  process.stderr.write("usage: launch.cjs <jupyter-connection-file>\n");
  process.exit(2);
}

/**
 * Where a package's file is, from the course (or from a package's folder); exits with what to do when it is missing.
 * @param {string} id
 * @param {string} from
 */
function resolveFromCourse(id, from = courseRoot) {
  try {
    return require.resolve(id, { paths: [from] });
  } catch (err) {
    process.stderr.write(`The course kernel cannot load "${id}" from ${courseRoot}.\n` + `Run "npm install" in the course folder first.\n(${String(err)})\n`);
    process.exit(1);
  }
}

/**
 * @param {string} id
 * @param {string} from
 */
function requireFromCourse(id, from = courseRoot) {
  return require(resolveFromCourse(id, from));
}

/** The TypeScript that tslab compiles cells with (its own pinned copy), for kernel_info. */
function tslabTypeScriptVersion() {
  try {
    const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [courseRoot] }));
    return String(require(require.resolve("@tslab/typescript-for-tslab/package.json", { paths: [tslabDir] })).version);
  } catch {
    return "5.0";
  }
}

require("./parent-poller.cjs").watchParent();

let key;
try {
  key = String(JSON.parse(fs.readFileSync(connectionFile, "utf8")).key ?? "");
} catch (err) {
  process.stderr.write(`course kernel: cannot read the connection file ${connectionFile}: ${String(err)}\n`);
  process.exit(2);
}

const zmq = requireFromCourse("zeromq");
require("./send-queue.cjs").installSendQueue(zmq, key);

process.chdir(courseRoot);
// tslab's own pinned TypeScript, the copy its compiler uses.
const tslabDir = path.dirname(resolveFromCourse("tslab/package.json"));
const tslabTs = requireFromCourse("@tslab/typescript-for-tslab", tslabDir);
require("./node-types.cjs").onlyNodeTypes(courseRoot, tslabTs.sys);
require("./watches.cjs").noWatchesInNodeModules(tslabTs.sys);
const { CourseKernel } = require("./kernel.cjs");
const kernel = new CourseKernel(
  {
    zmq,
    tslabJupyter: requireFromCourse("tslab/dist/jupyter.js"),
    tslabExecutor: requireFromCourse("tslab/dist/executor.js"),
    tslabConverter: requireFromCourse("tslab/dist/converter.js"),
    tsVersion: tslabTypeScriptVersion(),
  },
  path.resolve(connectionFile),
);

// The interrupt button sends SIGINT (interrupt_mode "signal"): stop the running cell, not the kernel.
process.on("SIGINT", () => kernel.interrupt());
// A callback a cell left behind may throw later: report it into the notebook, keep the kernel.
process.on("uncaughtException", (err) => console.error("Uncaught exception (from a callback of an earlier cell):", err));
process.on("unhandledRejection", (reason) => console.error("Unhandled promise rejection (from an earlier cell):", reason));

kernel.start().catch((err) => {
  process.stderr.write(`course kernel: could not start: ${String(err)}\n`);
  process.exit(1);
});

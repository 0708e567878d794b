// @ts-check
// tslab's compiler watches folders, to notice a module that appears after a cell failed to import
// it. TypeScript asks for two recursive watches, node_modules and node_modules/@types, and on
// Linux it makes one by walking every folder below and adding an inotify watch to each: about
// 1,400 watches on this course's node_modules (a machine has a limit on them, shared with editors:
// fs.inotify.max_user_watches), and 0.1 s of each kernel's start. What it buys is worse than
// nothing: when a package that a cell failed to import appears (npm install while the kernel
// runs), tslab's converter throws "Unexpected pending rebuildTimer" at that cell and at every
// cell after it, until the kernel restarts. So folders inside node_modules are not watched: the
// new package is simply seen after a restart. The files the compiler read (a lab's module that
// the learner edits between two runs of a cell) are still watched, as before.
"use strict";

/**
 * @param {{ watchDirectory?: (dir: string, callback: (file: string) => void, recursive?: boolean, options?: unknown) => { close(): void } }} sys
 *   tslab's TypeScript's `ts.sys`, before tslab creates its compiler
 */
function noWatchesInNodeModules(sys) {
  const watchDirectory = sys.watchDirectory?.bind(sys);
  if (watchDirectory === undefined) return;
  sys.watchDirectory = (dir, callback, recursive, options) =>
    dir.split(/[\\/]/).includes("node_modules") ? { close() {} } : watchDirectory(dir, callback, recursive, options);
}

module.exports = { noWatchesInNodeModules };

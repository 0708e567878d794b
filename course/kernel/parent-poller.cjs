// @ts-check
// The kernel dies with whoever started it, the way ipykernel's parent poller does.
//
// A kernel runs in its own session and process group, so it does not get the terminal's SIGHUP or
// the Ctrl-C of the front end that started it. If that front end dies (Jupyter killed, the
// headless runner SIGKILLed), nothing would ever stop the kernel: it would sit with its connection
// file and everything its cells started. So once a second we look: when our parent changes (we
// were re-parented to init or to a subreaper) or the process named by JPY_PARENT_PID (Jupyter's
// server sets it) is gone, we take our process group down with us.
"use strict";

const fs = require("node:fs");
const { warn } = require("./warn.cjs");

const POLL_MS = 1000;

/**
 * Is `pid` still a running process? (EPERM: it exists, owned by someone else.)
 * @param {number} pid
 */
function exists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {{code?: string}} */ (err).code === "EPERM";
  }
}

/**
 * Our process group id, from /proc (Node has no getpgrp()). The one stat parser outside
 * course/foundation/proc.ts: the kernel runs on plain Node, without the TypeScript loader that
 * module needs, and it reads one field of its own line.
 */
function ownProcessGroup() {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return -1;
  }
}

/** @param {string} why */
function dieWithParent(why) {
  warn(`${why}; exiting, with the processes of its group`);
  // Only when we lead our group (the runner and Jupyter start us that way) do we own it.
  if (ownProcessGroup() === process.pid) {
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {
      // fall through to exit
    }
  }
  process.exit(1);
}

/** Start watching. The timer is unref'd: it never keeps the kernel alive by itself. */
function watchParent() {
  const parent = process.ppid;
  const jupyter = Number(process.env.JPY_PARENT_PID);
  const watchJupyter = Number.isInteger(jupyter) && jupyter > 1 && jupyter !== process.pid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) dieWithParent(`its parent (pid ${parent}) is gone`);
    else if (watchJupyter && !exists(jupyter)) dieWithParent(`the Jupyter server (JPY_PARENT_PID ${jupyter}) is gone`);
  }, POLL_MS);
  timer.unref();
}

module.exports = { watchParent };

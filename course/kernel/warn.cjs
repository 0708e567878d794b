// @ts-check
// The kernel's own complaints go to the real fd 2: the terminal or log of whoever started it.
// (process.stderr is redirected into the running cell's output.) If that reader is gone, the
// write fails with EPIPE: there is nobody left to tell, so the complaint is dropped.
"use strict";

const fs = require("node:fs");

/** @param {string} text */
function warn(text) {
  try {
    fs.writeSync(2, `course kernel: ${text}\n`);
  } catch {
    // no reader
  }
}

module.exports = { warn };

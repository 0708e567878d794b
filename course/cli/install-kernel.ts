// npm run kernel:install [-- --uninstall]
// Installs the course kernelspec for this user, so that VS Code and other
// Jupyter front ends started outside `npm start` can use the course kernel.
// The installed kernel.json holds absolute paths to this course folder.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KERNEL_NAME } from "../jupyter/paths";
import { parseCommandLine, usageError } from "./lib/args";
import { courseRoot } from "../foundation/layout";

const USAGE = `Usage: npm run kernel:install [-- --uninstall]

Installs the course's Jupyter kernel for this user (for VS Code and other front
ends started outside \`npm start\`); --uninstall removes it again.`;

const { values, positionals } = parseCommandLine({ uninstall: { type: "boolean" } }, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length > 0) usageError(`kernel:install takes no arguments, only --uninstall: ${positionals.join(" ")}`, USAGE);

/** Jupyter's per-user data folder on Linux (see `jupyter --paths`). */
function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const xdg = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share");
  return path.join(xdg, "jupyter");
}

const target = path.join(userDataDir(), "kernels", KERNEL_NAME);
if (values.uninstall) {
  rmSync(target, { recursive: true, force: true });
  console.log(`Removed ${target}`);
} else {
  const launcher = path.join(courseRoot, "course", "kernel", "launch.cjs");
  const spec = {
    argv: [process.execPath, launcher, "{connection_file}"],
    display_name: "TypeScript (Unix IPC course)",
    language: "typescript",
    interrupt_mode: "signal",
  };
  try {
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  } catch (err) {
    console.error(
      `Could not write ${target}/kernel.json: ${(err as Error).message}. Check that the folder is yours and writable (JUPYTER_DATA_DIR chooses another).`,
    );
    process.exit(1);
  }
  console.log(`Installed the course kernel for this user: ${target}/kernel.json`);
  console.log(`It runs ${launcher} with ${process.execPath}. Move the course? Run this again.`);
  console.log("Remove it with: npm run kernel:install -- --uninstall");
}

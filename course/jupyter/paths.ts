// Where the course kernelspec lives, and how Jupyter is told about it.
import path from "node:path";
import { courseRoot } from "../foundation/layout";

export const KERNEL_NAME = "unix-ipc-ts";

/** The course's own Jupyter data folder (holds kernels/unix-ipc-ts/). */
export const courseJupyterPath = path.join(courseRoot, "course", "jupyter");

/** The environment for a Jupyter command that should see the course kernel, and nothing global changed. */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = base.JUPYTER_PATH ? [base.JUPYTER_PATH] : [];
  return { ...base, JUPYTER_PATH: [courseJupyterPath, ...existing].join(path.delimiter) };
}

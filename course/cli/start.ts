// npm start: open the course in JupyterLab (or Jupyter Notebook) at the welcome
// notebook, with the course kernel available through JUPYTER_PATH.
import { spawn, spawnSync } from "node:child_process";
import { courseRoot } from "../impl";
import { chapters, notebookPath } from "../manifest";
import { jupyterEnv } from "../jupyter/paths";

/** "lab" or "notebook", whichever `jupyter` front end is installed; undefined if none. */
function findFrontEnd(): "lab" | "notebook" | undefined {
  for (const frontEnd of ["lab", "notebook"] as const) {
    const probe = spawnSync("jupyter", [frontEnd, "--version"], { stdio: "ignore" });
    if (probe.status === 0) return frontEnd;
  }
  return undefined;
}

const frontEnd = findFrontEnd();
if (!frontEnd) {
  console.error(`Jupyter is not installed, so the notebooks cannot open in a browser.

Install it in one of these ways, then run \`npm start\` again:
  pipx install jupyterlab                  (any Linux; or: pip install --user jupyterlab)
  sudo apt install jupyter-notebook        (Debian, Ubuntu)

Meanwhile you can run any notebook without Jupyter and read the executed copy:
  npm run notebooks -- 00                  (writes .course/notebooks/00-welcome.ipynb)
and work on the labs: npm run grade, npm run hint -- 00.`);
  process.exit(1);
}

const welcome = notebookPath(chapters[0]!);
console.log(`Opening ${welcome} in Jupyter ${frontEnd === "lab" ? "Lab" : "Notebook"}, kernel "TypeScript (Unix IPC course)". Ctrl-C stops the server.`);
// Jupyter refuses to run as root unless told; containers often run as root.
const rootFlag = process.getuid?.() === 0 ? ["--allow-root"] : [];
const passThrough = process.argv.slice(2); // e.g. npm start -- --no-browser
const jupyter = spawn("jupyter", [frontEnd, ...rootFlag, ...passThrough, welcome], { cwd: courseRoot, env: jupyterEnv(), stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => jupyter.kill(signal));
jupyter.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

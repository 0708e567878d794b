// npm start: open the course in JupyterLab (or Jupyter Notebook) at the welcome
// notebook, with the course kernel available through JUPYTER_PATH.
// Jupyter's file tree is the course folder, so a learner opens labs/ and the notebooks side by
// side. The notebooks a learner runs are their own copies in my-notebooks/ (see
// jupyter/workspace.ts): the course's tracked notebooks/ stay clean, and course updates merge.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { chapters } from "../manifest";
import { jupyterEnv } from "../jupyter/paths";
import { syncWorkspace, WORKSPACE_DIR } from "../jupyter/workspace";
import { courseRoot, notebookPath } from "../foundation/layout";

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

let synced;
try {
  synced = syncWorkspace(courseRoot, chapters.map(notebookPath));
} catch (err) {
  console.error(`Could not prepare your notebooks in ${WORKSPACE_DIR}/: ${(err as Error).message}`);
  process.exit(1);
}
const created = synced.filter((r) => r.action === "created").length;
if (created > 0) console.log(`${created} notebook(s) copied into ${WORKSPACE_DIR}/: your own copies, run and edit them freely.`);
for (const result of synced) {
  if (result.action === "updated") console.log(`${WORKSPACE_DIR}/${result.notebook}: the course updated it (you had not edited it).`);
  if (result.note !== undefined) console.log(`${WORKSPACE_DIR}/${result.notebook}: ${result.action}: ${result.note}`);
}

const welcome = `${WORKSPACE_DIR}/${path.basename(notebookPath(chapters[0]!))}`;
// Hide what a learner never opens: the course's own notebooks (they run the copies) and node_modules.
const hidden = ["__pycache__", "*.pyc", ".DS_Store", "node_modules", "notebooks"];
const hideFlags = hidden.map((glob) => `--ContentsManager.hide_globs=${glob}`);
console.log(`Opening ${welcome} in Jupyter ${frontEnd === "lab" ? "Lab" : "Notebook"}, kernel "TypeScript (Unix IPC course)". Ctrl-C stops the server.`);
// Jupyter refuses to run as root unless told; containers often run as root.
const rootFlag = process.getuid?.() === 0 ? ["--allow-root"] : [];
const passThrough = process.argv.slice(2); // e.g. npm start -- --no-browser
const jupyter = spawn("jupyter", [frontEnd, ...rootFlag, `--notebook-dir=${courseRoot}`, ...hideFlags, ...passThrough, welcome], {
  cwd: courseRoot,
  env: jupyterEnv(),
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => jupyter.kill(signal));
jupyter.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

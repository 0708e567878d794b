// What a learners' copy of the course holds, and what it leaves out (and why).
// `npm run handout` applies these rules; `npm run check` in the copy proves the result works.
import { LOADER_PATH } from "../foundation/run-typescript";

/** Paths (relative to the course root, "/"-separated) that stay with the maintainers. */
export const LEFT_OUT: readonly { path: string; why: string }[] = [
  { path: "solutions/", why: "the model answers" },
  { path: "course/bench/", why: "benchmarks, and wrong-answer fixtures built from the model answers" },
  { path: "course/tests/", why: "the machinery's own tests" },
  { path: ".ci/", why: "the maintainers' continuous integration" },
  { path: "course/kernel/conformance/", why: "Jupyter's kernel conformance suite, run by CI" },
  { path: "course/AUTHORING.md", why: "the maintainers' guide" },
  { path: "course/cli/test.ts", why: "npm test, the maintainers' proof (it needs solutions/)" },
  { path: "course/cli/bench.ts", why: "npm run bench" },
  { path: "course/cli/freeze.ts", why: "npm run course:freeze, for authors" },
  { path: "course/cli/readme.ts", why: "npm run course:readme, for authors" },
  { path: "course/cli/new-chapter.ts", why: "npm run course:new, for authors" },
  { path: "course/authoring/", why: "the chapter scaffold's templates, for authors" },
  { path: "course/cli/handout.ts", why: "npm run handout, for instructors" },
  { path: "course/cli/roster.ts", why: "npm run roster, for instructors" },
  { path: "course/roster/", why: "the roster's code, for instructors" },
  { path: "course/handout/build.ts", why: "the handout builder, for instructors" },
  { path: "course/cli/hub.ts", why: "npm run hub, the workshop hub, for instructors" },
  // The workshop hub's host side; the copy keeps course/hub/singleuser.sh and prepare-template.ts,
  // which learners' servers (and the Kubernetes image) run.
  ...["accounts", "drive", "harness", "lifeline", "load", "preflight", "run", "state"].map((name) => ({
    path: `course/hub/${name}.ts`,
    why: "the workshop hub's host side, for instructors",
  })),
  { path: "course/hub/jupyterhub_config.py", why: "the workshop hub's configuration, for instructors" },
];

/** npm scripts that run the left-out commands. */
export const LEFT_OUT_SCRIPTS: readonly string[] = ["test", "bench", "course:freeze", "course:readme", "course:new", "handout", "roster", "hub", "hub:load"];

export function isLeftOut(relativePath: string): boolean {
  return LEFT_OUT.some(({ path }) => (path.endsWith("/") ? relativePath.startsWith(path) : relativePath === path));
}

/** The learners' package.json: the same, without the maintainers' scripts, with `npm run check`. */
export function learnerPackageJson(text: string): string {
  const pkg = JSON.parse(text) as { scripts?: Record<string, string> };
  const scripts = { ...(pkg.scripts ?? {}) };
  for (const name of LEFT_OUT_SCRIPTS) delete scripts[name];
  scripts.check = `node --import ./${LOADER_PATH} course/cli/check-learner-copy.ts`;
  return `${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`;
}

const LEARNER_SECTION = `## This copy

This is a learner's copy of the course, made by the instructor with \`npm run handout\`. It has
everything you need: the notebooks, the labs with their tests and hints, and the grader. It has
no model answers: the notebooks run *your* lab code, and say what it will show once it is written.

To check that the course works on your machine: \`npm run check\` (every lab loads and is graded,
hints print, every notebook runs, Jupyter starts when it is installed).
`;

/** The learners' README: the maintainers' and instructors' sections left out, the left-out commands gone. */
export function learnerReadme(text: string): string {
  const omitted = text.replace(/<!-- handout:omit:start[^>]*-->[\s\S]*?<!-- handout:omit:end -->\n*/g, `${LEARNER_SECTION}\n`);
  return omitted
    .split("\n")
    .filter((line) => !/^\| `npm (test|run (bench|handout|roster))\b/.test(line))
    .map((line) => (/^npm test\b/.test(line) ? "npm run check   # proves this copy works on your machine" : line))
    .join("\n");
}

/** A notebook as learners should receive it: outputs and execution counts cleared. */
export function withoutOutputs(text: string): string {
  const notebook = JSON.parse(text) as { cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[] };
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "code") continue;
    cell.outputs = [];
    cell.execution_count = null;
  }
  return `${JSON.stringify(notebook, null, 1)}\n`;
}

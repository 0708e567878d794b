// Grade one fixture lab in a process of its own, so that a machinery test can kill the grader
// (SIGKILL) mid-run and see what survives it. Prints "grading" when it starts.
// Usage: tsx course/tests/helpers/grade-fixture.ts <tests folder, relative to the course root> <task id>
import { runLab } from "../../grader/run-lab";

const [testsDir, taskId] = process.argv.slice(2);
if (testsDir === undefined || taskId === undefined) throw new Error("usage: grade-fixture.ts <tests folder> <task id>");
const chapter = {
  number: "99",
  slug: "fixture",
  title: "fixture",
  summary: "",
  lab: { files: [], tasks: [{ id: taskId, title: taskId, short: taskId, points: 1, hints: [] }] },
};
console.log("grading");
const run = await runLab(chapter, { impl: "labs", testsDir, stallTimeoutMs: 600_000, wallTimeoutMs: 600_000 });
console.log(JSON.stringify(run));

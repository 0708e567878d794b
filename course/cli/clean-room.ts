// npm run grade:clean-room -- <learner's course folder> [<lab>] [--json <path>]
// (also `npm run grade -- --clean-room <folder>`): grade a learner's lab files in a fresh copy of
// the course with the course's own tests and grader. What an instructor can trust; see
// course/grader/clean-room.ts.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { parseCommandLine, usageError, userPath } from "./lib/args";
import { buildCleanRoom, unpristineTests } from "../grader/clean-room";
import { displayPath, statePath } from "../foundation/layout";
import { tsNodeArgsOf } from "../foundation/run-typescript";

const USAGE = `Usage: npm run grade:clean-room -- <learner's course folder> [<lab>] [--json <path>]

Grades the learner's files in labs/ of that folder in a fresh copy of this course
(its committed tests and grader; nothing else of the learner's copy), then removes
the copy. The report goes to .course/clean-room-report.json unless --json says.
Exit status: as npm run grade (0 when every graded test passes).`;

const { values, positionals } = parseCommandLine({ json: { type: "string" }, "clean-room": { type: "string" } }, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [folder, ...rest] = values["clean-room"] === undefined ? positionals : [values["clean-room"], ...positionals];
if (folder === undefined) usageError("Which learner's copy? Give the folder of their course: npm run grade:clean-room -- ../alice-course", USAGE);
if (rest.length > 1) usageError(`Grade one lab or all of them, not: ${rest.join(" ")}`, USAGE);
const reportFile = userPath(values.json ?? statePath("clean-room-report.json"));

let room;
try {
  room = buildCleanRoom(userPath(folder));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
try {
  console.log(`Clean room: ${room.source}, with the lab files of ${folder}.`);
  for (const note of room.skipped) console.log(`  skipped ${note}`);
  const changed = unpristineTests(room.root);
  if (changed.length > 0) {
    console.error(`The clean room's tests are not the ones the course shipped (${changed.join(", ")}); commit or restore them first. Nothing graded.`);
    process.exitCode = 1;
  } else {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.INIT_CWD; // paths are absolute here
    // Ctrl-C reaches the grade too, which stops its run and exits; stay to remove the copy.
    process.on("SIGINT", () => undefined);
    const graded = spawnSync(process.execPath, [...tsNodeArgsOf(room.root), "course/cli/grade.ts", ...rest, "--json", reportFile], {
      cwd: room.root,
      env,
      stdio: "inherit",
    });
    console.log(`Clean-room report: ${displayPath(reportFile)}`);
    process.exitCode = graded.status ?? 1;
  }
} finally {
  rmSync(room.root, { recursive: true, force: true });
}

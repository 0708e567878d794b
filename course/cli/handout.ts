// npm run handout -- <dir>: write the learners' copy of the course (no solutions/, no maintainers'
// tools, notebooks without outputs, a README for learners). Then, in that folder: npm install,
// npm run check.
import { parseCommandLine, usageError, userPath } from "./lib/args";
import { buildHandout, HandoutError } from "../handout/build";
import { LEFT_OUT } from "../handout/contents";
import { courseRoot } from "../foundation/layout";

const USAGE = `Usage: npm run handout -- <dir>

Writes the learners' copy of the course into <dir> (a new or empty folder outside the course).
Left out: ${LEFT_OUT.map((l) => l.path).join(", ")}.
Then: cd <dir> && npm install && npm run check`;

const { values, positionals } = parseCommandLine({}, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1)
  usageError(positionals.length === 0 ? "Name the folder to write the copy into." : `One folder, not ${positionals.length}.`, USAGE);

try {
  const handout = buildHandout(courseRoot, userPath(positionals[0]!));
  console.log(`Wrote the learners' copy to ${handout.dir}: ${handout.copied} files; ${handout.leftOut.length} maintainers' files left out.`);
  for (const { path, why } of LEFT_OUT) console.log(`  left out ${path.padEnd(24)} ${why}`);
  console.log(`\nNext: cd ${handout.dir} && npm install && npm run check`);
} catch (err) {
  if (!(err instanceof HandoutError)) throw err;
  console.error(err.message);
  process.exit(1);
}

// npm run hint -- <lab> [n]: progressive hints from the course manifest, a
// nudge first and nearly the answer last. Without n, the next hint you have
// not seen yet (remembered in .course/hints.json); with n, hint n.
import { labDir } from "../manifest";
import { chapterArg, parseCommandLine, usageError } from "../grader/cli-args";
import { formatHint, hintsSeen, markHintSeen, nextHint } from "../grader/hints";
import { textWidth } from "../grader/style";

const USAGE = `Usage: npm run hint -- <lab> [n]

  npm run hint -- 00      the next hint for lab 00 that you have not seen yet
  npm run hint -- 00 2    hint 2 of lab 00 (again)`;

const { values, positionals } = parseCommandLine({}, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [labName, numberText, ...extra] = positionals;
if (labName === undefined) usageError("Which lab? Name it by number or folder: npm run hint -- 00", USAGE);
if (extra.length > 0) usageError(`Too many arguments: ${extra.join(" ")}`, USAGE);

const chapter = chapterArg(labName);
const hints = chapter.lab.hints;
const width = textWidth();

if (hints.length === 0) {
  console.log(`Lab ${labDir(chapter)} has no hints yet.`);
  process.exit(0);
}

if (numberText !== undefined) {
  const n = Number(numberText);
  if (!Number.isInteger(n) || n < 1 || n > hints.length) {
    usageError(`Lab ${labDir(chapter)} has hints 1 to ${hints.length}; "${numberText}" is not one of them.`, USAGE);
  }
  markHintSeen(chapter, n);
  console.log(formatHint(chapter, { n, total: hints.length, text: hints[n - 1] ?? "" }, width));
  process.exit(0);
}

const next = nextHint(chapter);
if (next === undefined) {
  console.log(
    `You have seen all ${hints.length} hints for ${labDir(chapter)}. See one again with \`npm run hint -- ${chapter.number} <n>\` (1-${hints.length}).`,
  );
  process.exit(0);
}
markHintSeen(chapter, next.n);
console.log(formatHint(chapter, next, width));
if (hintsSeen(chapter).size === 1 && hints.length > 1) console.log("(Hints go from a nudge to nearly the answer; take one at a time.)");

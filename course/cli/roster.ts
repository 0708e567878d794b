// npm run roster -- <report.json | folder>... [--csv <path>]
// A class's grades in one table: reads the JSON reports that learners' `npm run grade -- --json
// <path>` wrote, prints learner × lab points, and writes the same as CSV. A file that is not a
// grade report is named and skipped; it never stops the others from being counted.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseCommandLine, usageError, userPath } from "./lib/args";
import { chapters } from "../manifest";
import { buildRoster } from "../roster/reports";
import { rosterCsv, rosterTable } from "../roster/render";
import { labId } from "../foundation/layout";

const USAGE = `Usage: npm run roster -- <report.json | folder>... [--csv <path>]

Reads learners' grade reports (each written by \`npm run grade -- --json <name>.json\`) and
prints one row per learner, one column per lab. A folder stands for every .json file in it.
The learner's name is the report's "learner" field, else the file name (alice.json: alice).
  --csv <path>   also write the table as CSV there (default: roster.csv in this folder)
Exit status: 0 when at least one report was read, 1 when none was, 2 for a usage error.`;

const { values, positionals } = parseCommandLine({ csv: { type: "string" } }, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length === 0) usageError("Name the report files (or a folder of them) to read.", USAGE);

/** The files a learner named: each file as given, each folder's .json files in name order. */
function reportFiles(names: readonly string[]): string[] {
  const files: string[] = [];
  for (const name of names) {
    const full = userPath(name);
    let isFolder = false;
    try {
      isFolder = statSync(full).isDirectory();
    } catch {
      // Missing: readReport names it.
    }
    if (!isFolder) files.push(full);
    else
      files.push(
        ...readdirSync(full)
          .filter((f) => f.toLowerCase().endsWith(".json"))
          .sort()
          .map((f) => path.join(full, f)),
      );
  }
  return files;
}

/** A path as the instructor typed it: relative to the folder they ran npm in. */
function shown(file: string): string {
  const relative = path.relative(userPath("."), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

const roster = buildRoster(reportFiles(positionals));
for (const { file, reason } of roster.rejected) console.error(`skipped ${shown(file)}: ${reason}`);
for (const { learner, kept, dropped } of roster.duplicates) {
  console.error(`${learner} has two reports: kept the newer ${shown(kept)}, not ${shown(dropped)}`);
}
if (roster.learners.length === 0) {
  console.error("No grade report could be read, so there is no roster to show.");
  process.exit(1);
}

const labs = chapters.map(labId);
const possible = new Map(chapters.map((c) => [labId(c), c.lab.tasks.reduce((sum, t) => sum + t.points, 0)]));
const known = new Set(labs);
const foreign = new Set(roster.learners.flatMap((l) => [...l.labs.keys()].filter((lab) => !known.has(lab))));
if (foreign.size > 0) console.error(`not in this course, left out: ${[...foreign].sort().join(", ")}`);

console.log(rosterTable(roster.learners, labs, possible));
const csvFile = userPath(values.csv ?? "roster.csv");
try {
  writeFileSync(csvFile, rosterCsv(roster.learners, labs, possible));
} catch (err) {
  console.error(`Could not write the CSV to ${csvFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}. Give --csv a path in a folder you can write.`);
  process.exit(1);
}
console.log(`\n${roster.learners.length} learner(s); CSV written to ${shown(csvFile)}`);

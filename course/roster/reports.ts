// Reading many learners' grade reports (`npm run grade -- --json <path>`) for a class table.
// A report file is untrusted input: anything that is not a grade report is named and skipped,
// never a crash, so one bad upload does not cost the instructor the whole roster.
import { readFileSync } from "node:fs";
import path from "node:path";

/** What the roster needs from one report: who, and points per lab. */
export interface LearnerGrades {
  learner: string;
  file: string;
  /** ISO time the report was written, for picking the newest of two reports of one learner. */
  when: string;
  /** Lab folder ("04-stdin-lines") to points earned and possible. */
  labs: Map<string, { earned: number; possible: number }>;
}

export interface Rejected {
  file: string;
  reason: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isPoints = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** The learner's name: the report's own `learner` field when it has one, else the file name ("alice.json" → "alice"). */
function learnerName(report: Record<string, unknown>, file: string): string {
  const given = report.learner;
  if (typeof given === "string" && given.trim() !== "") return given.trim();
  return path.basename(file).replace(/\.json$/i, "");
}

/** Parse one report, or say in a sentence why it is not one. */
export function readReport(file: string): LearnerGrades | Rejected {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, reason: code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder, not a report file" : `cannot be read (${code ?? String(err)})` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { file, reason: "not JSON (was it written by `npm run grade -- --json <path>`?)" };
  }
  if (!isRecord(data) || !Array.isArray(data.labs)) {
    return { file, reason: 'JSON, but not a grade report: it has no "labs" list' };
  }
  const labs = new Map<string, { earned: number; possible: number }>();
  for (const [index, lab] of data.labs.entries()) {
    if (!isRecord(lab) || typeof lab.lab !== "string" || !isPoints(lab.earned) || !isPoints(lab.possible) || lab.earned > lab.possible) {
      return { file, reason: `lab entry ${index + 1} is not a lab grade (it needs "lab", "earned" and "possible", earned ≤ possible)` };
    }
    labs.set(lab.lab, { earned: lab.earned, possible: lab.possible });
  }
  const when = typeof data.when === "string" ? data.when : "";
  return { learner: learnerName(data, file), file, when, labs };
}

export interface Roster {
  learners: LearnerGrades[];
  rejected: Rejected[];
  /** A learner with several reports: which file was kept. */
  duplicates: { learner: string; kept: string; dropped: string }[];
}

/** Read every file; keep the newest report per learner. */
export function buildRoster(files: readonly string[]): Roster {
  const byLearner = new Map<string, LearnerGrades>();
  const rejected: Rejected[] = [];
  const duplicates: Roster["duplicates"] = [];
  for (const file of files) {
    const result = readReport(file);
    if ("reason" in result) {
      rejected.push(result);
      continue;
    }
    const earlier = byLearner.get(result.learner);
    if (earlier === undefined) {
      byLearner.set(result.learner, result);
      continue;
    }
    const [kept, dropped] = result.when > earlier.when ? [result, earlier] : [earlier, result];
    byLearner.set(result.learner, kept);
    duplicates.push({ learner: result.learner, kept: kept.file, dropped: dropped.file });
  }
  const learners = [...byLearner.values()].sort((a, b) => a.learner.localeCompare(b.learner));
  return { learners, rejected, duplicates };
}

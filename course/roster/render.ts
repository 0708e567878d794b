// The class table, for the terminal (80 columns) and as CSV (for a spreadsheet or a gradebook).
import type { LearnerGrades } from "./reports";

/** Points earned for one lab, or undefined when the learner's report does not include it. */
function earned(learner: LearnerGrades, lab: string): number | undefined {
  return learner.labs.get(lab)?.earned;
}

function total(learner: LearnerGrades, labs: readonly string[]): number {
  return labs.reduce((sum, lab) => sum + (earned(learner, lab) ?? 0), 0);
}

/**
 * One row per learner, one column per lab (by its number: "04"), then the total. A lab a learner's
 * report does not include shows "-". `possible` gives each lab's maximum, from the manifest.
 */
export function rosterTable(learners: readonly LearnerGrades[], labs: readonly string[], possible: ReadonlyMap<string, number>): string {
  const nameWidth = Math.min(16, Math.max(7, ...learners.map((l) => l.learner.length)));
  const max = labs.reduce((sum, lab) => sum + (possible.get(lab) ?? 0), 0);
  const cell = (text: string): string => text.padStart(3);
  const fit = (name: string): string => (name.length > nameWidth ? `${name.slice(0, nameWidth - 1)}…` : name.padEnd(nameWidth));
  const header = `${"learner".padEnd(nameWidth)} ${labs.map((lab) => cell(lab.slice(0, 2))).join(" ")}  total/${max}`;
  const rows = learners.map((learner) => {
    const cells = labs.map((lab) => cell(String(earned(learner, lab) ?? "-")));
    return `${fit(learner.learner)} ${cells.join(" ")}  ${String(total(learner, labs)).padStart(5)}`;
  });
  const maxima = `${"max".padEnd(nameWidth)} ${labs.map((lab) => cell(String(possible.get(lab) ?? "?"))).join(" ")}  ${String(max).padStart(5)}`;
  return [header, ...rows, maxima].join("\n");
}

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV: learner, one column per lab folder (points earned, empty when not graded), total, possible. */
export function rosterCsv(learners: readonly LearnerGrades[], labs: readonly string[], possible: ReadonlyMap<string, number>): string {
  const max = labs.reduce((sum, lab) => sum + (possible.get(lab) ?? 0), 0);
  const lines = [["learner", ...labs, "total", "possible"].map(csvField).join(",")];
  for (const learner of learners) {
    const cells = labs.map((lab) => String(earned(learner, lab) ?? ""));
    lines.push([csvField(learner.learner), ...cells, String(total(learner, labs)), String(max)].join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

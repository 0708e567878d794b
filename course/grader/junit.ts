// The grade as JUnit XML, the format CI systems and classroom tools read: one
// <testsuite> per lab, one <testcase> per test with its task as classname, a
// <failure> with the message for a test that does not pass, <skipped> with the
// reason for a test not run, and an <error> for a lab that could not load.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { LabGrade } from "./grade-lab";
import { labId } from "../foundation/layout";

/** Text safe in XML content and attributes; characters XML 1.0 forbids are dropped. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const junitSeconds = (ms: number): string => (ms / 1000).toFixed(3);

function testSuite(grade: LabGrade): string[] {
  const { run, chapter } = grade;
  const name = labId(chapter);
  const failures = run.outcomes.filter((outcome) => outcome.notRun === undefined && outcome.state !== "pass").length;
  const skipped = run.outcomes.filter((outcome) => outcome.notRun !== undefined).length;
  const errors = run.compileError ? 1 : 0;
  const tests = run.outcomes.length + errors;
  const lines = [
    `  <testsuite name="${xmlEscape(name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${junitSeconds(run.durationMs)}">`,
  ];
  for (const outcome of run.outcomes) {
    const attributes = `name="${xmlEscape(outcome.name)}" classname="${xmlEscape(outcome.task ?? "(no task)")}" file="${xmlEscape(outcome.file)}" time="${junitSeconds(outcome.durationMs)}"`;
    const message = outcome.message ?? "";
    if (outcome.notRun !== undefined) {
      lines.push(`    <testcase ${attributes}>`, `      <skipped message="${xmlEscape(outcome.notRun)}"/>`, "    </testcase>");
    } else if (outcome.state === "pass") {
      lines.push(`    <testcase ${attributes}/>`);
    } else {
      const first = message.split("\n")[0] ?? "";
      lines.push(
        `    <testcase ${attributes}>`,
        `      <failure message="${xmlEscape(first)}" type="${outcome.state}">${xmlEscape(message)}</failure>`,
        "    </testcase>",
      );
    }
  }
  if (run.compileError) {
    lines.push(
      `    <testcase name="(the lab loads)" classname="(no task)" time="0.000">`,
      `      <error message="the lab could not be loaded" type="load-error">${xmlEscape(run.compileError)}</error>`,
      "    </testcase>",
    );
  }
  lines.push("  </testsuite>");
  return lines;
}

export function buildJUnit(grades: LabGrade[]): string {
  const count = (pick: (grade: LabGrade) => number): number => grades.reduce((sum, grade) => sum + pick(grade), 0);
  const tests = count((g) => g.run.outcomes.length + (g.run.compileError ? 1 : 0));
  const failures = count((g) => g.run.outcomes.filter((o) => o.notRun === undefined && o.state !== "pass").length);
  const errors = count((g) => (g.run.compileError ? 1 : 0));
  const skipped = count((g) => g.run.outcomes.filter((o) => o.notRun !== undefined).length);
  const time = junitSeconds(count((g) => g.run.durationMs));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="course labs" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">`,
    ...grades.flatMap(testSuite),
    "</testsuites>",
    "",
  ].join("\n");
}

export function writeJUnit(grades: LabGrade[], file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, buildJUnit(grades));
}

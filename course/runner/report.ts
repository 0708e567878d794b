// One readable paragraph per executed notebook.
import path from "node:path";
import type { NotebookRun } from "./execute";
import { courseRoot } from "../foundation/layout";

export function describeRun(run: NotebookRun): string {
  const name = path.relative(courseRoot, run.notebook);
  const seconds = (run.durationMs / 1000).toFixed(1);
  const copy = path.relative(courseRoot, run.executedCopy);
  const sweepNote = run.sweep.startsWith("none") ? [`  note: leftover processes were looked for without a subreaper (${run.sweep})`] : [];
  if (run.failures.length === 0) {
    return [`ok    ${name}  (${run.codeCells} code cells, ${seconds} s) -> ${copy}`, ...sweepNote].join("\n");
  }
  const lines = [`FAIL  ${name}  (${run.failures.length} problem(s), ${seconds} s)`];
  for (const failure of run.failures) {
    lines.push(`  ${failure.cell > 0 ? `cell ${failure.cell}` : "notebook"}: ${failure.kind}`);
    lines.push(
      ...failure.message
        .split("\n")
        .slice(0, 25)
        .map((line) => `    ${line}`),
    );
  }
  lines.push(...sweepNote, `  executed copy with outputs: ${copy}`);
  return lines.join("\n");
}

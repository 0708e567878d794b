// One readable paragraph per executed notebook.
import path from "node:path";
import { courseRoot } from "../impl";
import type { NotebookRun } from "./execute";

export function describeRun(run: NotebookRun): string {
  const name = path.relative(courseRoot, run.notebook);
  const seconds = (run.durationMs / 1000).toFixed(1);
  if (run.failures.length === 0) {
    return `ok    ${name}  (${run.codeCells} code cells, ${seconds} s) -> ${path.relative(courseRoot, run.executedCopy)}`;
  }
  const lines = [`FAIL  ${name}  (${run.failures.length} failing cell(s), ${seconds} s)`];
  for (const failure of run.failures) {
    lines.push(`  cell ${failure.cell}: ${failure.kind}`);
    lines.push(...failure.message.split("\n").slice(0, 25).map((line) => `    ${line}`));
  }
  lines.push(`  executed copy with outputs: ${path.relative(courseRoot, run.executedCopy)}`);
  return lines.join("\n");
}

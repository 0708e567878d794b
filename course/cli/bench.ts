// npm run bench [-- <id>...]
// Runs the benchmarks in course/bench/: each measures ours against a peer side
// by side in one run and reports the ratio next to its goal. Timing lives here,
// never in tests: the machines are shared and noisy, and a ratio of two
// measurements taken together is far steadier than either number alone.
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Benchmark, BenchResult } from "../bench/types";
import { courseRoot } from "../foundation/layout";

async function loadBenchmarks(): Promise<Benchmark[]> {
  const dir = path.join(courseRoot, "course", "bench");
  const all: Benchmark[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "types.ts")
    .sort()) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { benchmarks?: Benchmark[] };
    all.push(...(module.benchmarks ?? []));
  }
  return all;
}

/** A benchmark that could not measure (its peer is not installed) reports a NaN ratio. */
const skipped = (result: BenchResult): boolean => Number.isNaN(result.ratio);

function report(result: BenchResult): string {
  if (skipped(result)) return [`${result.name}`, "  skipped", ...result.details.map((d) => `  ${d}`)].join("\n");
  const verdict = result.ratio >= result.goal ? "meets goal" : "BELOW GOAL";
  return [
    `${result.name}`,
    `  ratio ${result.ratio.toFixed(2)}x  (goal >= ${result.goal.toFixed(2)}x: ${verdict})`,
    ...result.details.map((d) => `  ${d}`),
  ].join("\n");
}

const wanted = process.argv.slice(2);
const benchmarks = (await loadBenchmarks()).filter((b) => wanted.length === 0 || wanted.some((w) => b.id.includes(w)));
if (benchmarks.length === 0) {
  console.error(`No benchmark matches ${wanted.join(", ")}. Run \`npm run bench\` with no argument to run them all.`);
  process.exit(2);
}
let below = 0;
let notMeasured = 0;
for (const benchmark of benchmarks) {
  console.log(`\n[${benchmark.id}]`);
  const result = await benchmark.run();
  console.log(report(result));
  if (skipped(result)) notMeasured++;
  else if (result.ratio < result.goal) below++;
}
console.log(`\nbench: ${benchmarks.length - below - notMeasured} met their goal, ${below} below goal, ${notMeasured} skipped`);

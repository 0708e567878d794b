// Fast failure: a wrong answer must fail in about the time the right one
// passes, not after waiting out fixed timeouts.
//
// For each lab with a mutant in fixtures/mutants/NN-slug/ (a typical wrong
// answer: one bug in one solution file, kept as a unified diff against it,
// <file>.patch, whose first lines say what the bug is), grade the model
// solution and the mutant side by side, through the same
// `COURSE_IMPL=solutions vitest run labs/NN-slug/tests` in a temporary copy of
// the course: once untouched, once with the patch applied there (by patch.ts,
// in Node: no git or patch(1) needed; a patch that no longer fits the solution
// stops the bench with a message saying so). Ratio: solution time / mutant time; goal >= 1/1.5 (the wrong
// answer takes at most 1.5 times as long). A mutant that passes every test is
// reported too: the tests miss that wrong answer.
//
//   npm run bench -- grading          every lab
//   npm run bench -- grading:09       one lab
//   GRADING_BENCH_ROUNDS=3 npm run bench -- grading
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { mutate } from "./patch";
import { timedRun } from "./timed-run";
import type { Benchmark, BenchResult } from "./types";
import { courseRoot } from "../foundation/layout";

const MUTANTS = path.join(courseRoot, "course", "bench", "fixtures", "mutants");
const ROUNDS = Math.max(1, Number(process.env.GRADING_BENCH_ROUNDS ?? 1));
/** A grading run that takes longer than this is stopped (and reported as such). */
const RUN_LIMIT_MS = 300_000;

/** Folders of the course that a copy does not need: dependencies are linked, caches and history left out. */
const NOT_COPIED = new Set(["node_modules", ".git", ".course", "notebooks"]);

let copy: string | undefined;

/** One temporary copy of the course for every lab (node_modules linked, not copied). */
function courseCopy(): string {
  if (copy) return copy;
  const dir = mkdtempSync(path.join(os.tmpdir(), "grading-bench-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  for (const entry of readdirSync(courseRoot)) {
    if (NOT_COPIED.has(entry)) continue;
    cpSync(path.join(courseRoot, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(path.join(courseRoot, "node_modules"), path.join(dir, "node_modules"));
  copy = dir;
  return dir;
}

interface Graded {
  ms: number;
  /** vitest's exit code: 0 when every test passed; null when stopped at RUN_LIMIT_MS. */
  code: number | null;
  /** vitest's own summary line, e.g. "Tests  1 failed | 17 passed (18)". */
  summary: string;
}

/** Run the lab's tests against solutions/ in `root`, timing the whole run. */
async function grade(root: string, lab: string): Promise<Graded> {
  const { code, output, ms } = await timedRun(
    "npx",
    ["vitest", "run", `labs/${lab}/tests`],
    root,
    { COURSE_IMPL: "solutions", NO_COLOR: "1", FORCE_COLOR: "0" },
    RUN_LIMIT_MS,
  );
  const summary = /^\s*Tests\s+(.*)$/m.exec(output)?.[1]?.trim() ?? "no summary (stopped?)";
  return { ms, code, summary: `Tests ${summary}` };
}

/** The mutated files of one lab: where each goes (relative to the course root) and its text. */
interface Mutation {
  target: string;
  text: string;
}

/** Apply the lab's patches to its solution files (read from the course itself, never from the copy). */
function mutationsFor(lab: string, patches: string[]): Mutation[] {
  return patches.map((file) => {
    const { target, text } = mutate(path.join(MUTANTS, lab, file), courseRoot);
    if (!target.startsWith(`solutions/${lab}/`)) {
      throw new Error(`${path.join(MUTANTS, lab, file)} changes ${target}: a mutant of lab ${lab} changes files in solutions/${lab}/ only`);
    }
    return { target, text };
  });
}

/** Write the mutants over the solution's files (mutate) or the solution's back (restore). */
function swap(root: string, mutations: Mutation[], to: "mutant" | "solution"): void {
  for (const { target, text } of mutations) {
    if (to === "mutant") writeFileSync(path.join(root, target), text);
    else cpSync(path.join(courseRoot, target), path.join(root, target));
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

function benchmarkFor(lab: string): Benchmark {
  const files = readdirSync(path.join(MUTANTS, lab)).filter((file) => file.endsWith(".patch"));
  return {
    id: `grading:${lab}`,
    async run(): Promise<BenchResult> {
      const mutations = mutationsFor(lab, files);
      const root = courseCopy();
      const solution: Graded[] = [];
      const mutant: Graded[] = [];
      try {
        // One warm-up (vite and tsx caches), then alternate so drift hits both alike.
        await grade(root, lab);
        for (let round = 0; round < ROUNDS; round++) {
          solution.push(await grade(root, lab));
          swap(root, mutations, "mutant");
          mutant.push(await grade(root, lab));
          swap(root, mutations, "solution");
        }
      } finally {
        swap(root, mutations, "solution");
      }
      const solutionMs = median(solution.map((g) => g.ms));
      const mutantMs = median(mutant.map((g) => g.ms));
      const ms = (runs: Graded[]): string => runs.map((g) => g.ms.toFixed(0)).join(", ");
      const verdict = (runs: Graded[], shouldPass: boolean): string => {
        const passed = runs.filter((g) => g.code === 0).length;
        const stopped = runs.filter((g) => g.code === null).length;
        if (stopped > 0) return `STOPPED after ${RUN_LIMIT_MS} ms in ${stopped} of ${runs.length} runs`;
        if (shouldPass) return passed === runs.length ? "passed" : `FAILED in ${runs.length - passed} of ${runs.length} runs`;
        return passed === 0 ? "failed, as it must" : `SURVIVED (passed every test) in ${passed} of ${runs.length} runs`;
      };
      return {
        name: `grading lab ${lab}: a typical wrong answer (${mutations.map((m) => path.basename(m.target)).join(", ")}) vs the solution, median of ${ROUNDS}`,
        ratio: solutionMs / mutantMs,
        goal: 1 / 1.5,
        details: [
          `solution: ${(solutionMs / 1000).toFixed(1)} s (${ms(solution)} ms), ${verdict(solution, true)}; ${solution.at(-1)?.summary}`,
          `mutant:   ${(mutantMs / 1000).toFixed(1)} s (${ms(mutant)} ms), ${verdict(mutant, false)}; ${mutant.at(-1)?.summary}`,
          `mutant / solution: ${(mutantMs / solutionMs).toFixed(2)}x (goal <= 1.5x)`,
        ],
      };
    },
  };
}

export const benchmarks: Benchmark[] = existsSync(MUTANTS)
  ? readdirSync(MUTANTS)
      .filter((lab) => /^\d\d-/.test(lab))
      .sort()
      .map(benchmarkFor)
  : [];

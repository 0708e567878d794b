// The maintainers' loop: `npm test`, every check it makes, on a fresh clone of the course.
//
// The goal is a time, not a race against a peer: at most 3 minutes on a 2-core machine, measured
// alone. So the ratio is 180 s / the measured time (goal >= 1), and the details give each step's
// time as `npm test` printed it, and the load average before and after: a figure taken while the
// machine was busy says so. They also give the Node that ran it, and the CPU time `npm test` used
// (its processes' user and kernel time): with both cores busy to the end, the time is about that
// CPU time shared by two, and start-up costs differ much between Node versions. The clone is of
// the commit checked out (`git clone` of this course), with this course's node_modules linked in
// (an install is not part of `npm test`).
//
//   npm run bench -- npm-test
// Skipped, with the reason, outside a git checkout (a learner's handout has no history to clone).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { courseRoot } from "../foundation/layout";
import { processEntry } from "../foundation/proc";
import { timedRun } from "./timed-run";
import type { Benchmark, BenchResult } from "./types";

const GOAL_SECONDS = 180;
/** A run that takes longer than this is stopped, and reported as such. */
const RUN_LIMIT_MS = 30 * 60_000;
/** How much of a failed step's report the bench repeats. */
const FAILURE_LINES = 40;

const loadAverage = (): string =>
  `${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(", ")} on ${os.availableParallelism()} CPUs`;

/**
 * CPU seconds (user + kernel) of the children this process has waited for, from its /proc stat:
 * `npm test`, once it has ended, and every process of it that its parent waited for.
 */
function waitedChildrenCpuSeconds(): number {
  const self = processEntry(process.pid);
  return self ? (self.childrenUtimeTicks + self.childrenStimeTicks) / 100 : Number.NaN;
}

/** A fresh clone of the course's checked-out commit, with its node_modules linked; removed on exit. */
function freshClone(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "npm-test-bench-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const clone = spawnSync("git", ["clone", "--quiet", courseRoot, dir], { encoding: "utf8" });
  if (clone.status !== 0) throw new Error(`bench npm-test: git clone failed: ${clone.stderr.trim() || clone.error?.message}`);
  symlinkSync(path.join(courseRoot, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

async function run(): Promise<BenchResult> {
  const name = `npm test on a fresh clone, all chapters (goal: ${GOAL_SECONDS} s on 2 cores, alone)`;
  if (!existsSync(path.join(courseRoot, ".git"))) {
    return { name, ratio: NaN, goal: 1, details: ["not a git checkout: there is no commit to clone"] };
  }
  const before = loadAverage();
  const cpuBefore = waitedChildrenCpuSeconds();
  const { code, output, ms } = await timedRun("npm", ["test"], freshClone(), { NO_COLOR: "1" }, RUN_LIMIT_MS);
  const seconds = ms / 1000;
  const cpu = waitedChildrenCpuSeconds() - cpuBefore;
  // Each step's own line: "ok   solutions pass every test (all 12 chapters) (41.3 s)"; a failed
  // step's, with the last of what it said (its indented lines), so a red run says why.
  const lines = output.split("\n");
  const steps = lines.flatMap((line, i) => {
    if (/^ok {3}/.test(line)) return [line];
    if (!line.startsWith("FAIL ")) return [];
    const end = lines.findIndex((next, j) => j > i && !next.startsWith("     "));
    return [line, ...lines.slice(i + 1, end === -1 ? undefined : end).slice(-FAILURE_LINES)];
  });
  const verdict = /^check: .*$/m.exec(output)?.[0] ?? "no verdict line (stopped?)";
  return {
    name,
    ratio: GOAL_SECONDS / seconds,
    goal: 1,
    details: [
      `npm test: ${seconds.toFixed(1)} s, exit code ${code ?? "none"}; ${verdict}`,
      `  on Node ${process.version}; CPU time ${cpu.toFixed(0)} s (user + kernel, its processes that were waited for)`,
      ...steps.map((line) => `  ${line}`),
      `load average (1, 5, 15 min): ${before} before, ${loadAverage()} after`,
    ],
  };
}

export const benchmarks: Benchmark[] = [{ id: "npm-test", run }];

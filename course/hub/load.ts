// npm run hub:load -- [N …]   (root; default 5 10 20): the workshop hub under a room's load, on
// loopback only. For each N: start the hub with N fresh learners; all log in at once (through
// headless Chromium, one browser context each: the hub spawns N servers and copies N courses),
// then all Run All the welcome notebook at once, then all type `npm run grade -- 00` into a
// Jupyter terminal at once. Reports each phase's median and p95, the learners' memory (PSS of
// every process of their uids, sampled each second), failures, and the load average: the
// machine may be shared, so the figures say what else was running. Bounded: every phase has a
// deadline, and the hub, its servers and the accounts are removed at the end.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { lookUp, numberedLearners, removeAccounts } from "./accounts";
import { chromiumInstalled, inTerminal, launchBrowser, logIn, runAll } from "./drive";
import { startTestHub } from "./harness";
import type { Page } from "puppeteer-core";

const PHASE_TIMEOUT_MS = 15 * 60_000;

const counts = process.argv.slice(2).map(Number);
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 60)) {
  console.error("Usage: npm run hub:load -- [N …]   (each N from 1 to 60; default 5 10 20)");
  process.exit(2);
}
if (process.getuid?.() !== 0 || !chromiumInstalled()) {
  console.error("npm run hub:load runs as root (it creates learners' accounts) with JupyterHub and Chromium installed (apt-get install jupyterhub chromium).");
  process.exit(2);
}

const loadAverage = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** PSS in kB of every process of these uids (shared pages divided among their sharers). */
function pssOf(uids: ReadonlySet<number>): number {
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!uids.has(statSync(`/proc/${name}`).uid)) continue;
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${name}/smaps_rollup`, "utf8"));
      total += Number(match?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

interface Phase {
  name: string;
  times: number[];
  failures: string[];
  peakPssKb: number;
}

/** Run `step` for every learner at once; time each, collect failures, sample memory each second. */
async function phase(name: string, learners: string[], uids: ReadonlySet<number>, step: (learner: string, index: number) => Promise<void>): Promise<Phase> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, pssOf(uids))), 1000);
  const times: number[] = [];
  const failures: string[] = [];
  await Promise.all(
    learners.map(async (learner, index) => {
      const start = Date.now();
      try {
        await step(learner, index);
        times.push(Date.now() - start);
      } catch (err) {
        failures.push(`${learner}: ${(err as Error).message.split("\n")[0]}`);
      }
    }),
  );
  clearInterval(sampler);
  peak = Math.max(peak, pssOf(uids));
  return { name, times, failures, peakPssKb: peak };
}

async function measure(n: number): Promise<string[]> {
  const learners = numberedLearners(n, "hubload");
  removeAccounts(learners);
  const before = loadAverage();
  const hub = await startTestHub(learners);
  const browser = await launchBrowser(hub.scratch);
  const lines: string[] = [];
  try {
    const uids = new Set(learners.map((l) => lookUp(l)!.uid));
    const pages: Page[] = [];
    for (let i = 0; i < n; i++) pages.push(await (await browser.browser.createBrowserContext()).newPage());
    const spawn = await phase("log in + spawn (first: copies the course)", learners, uids, (l, i) =>
      logIn(pages[i]!, hub.url, l, hub.password, PHASE_TIMEOUT_MS),
    );
    const idle = pssOf(uids);
    const notebook = await phase("Run All, notebook 00", learners, uids, async (_l, i) => {
      const { cells } = await runAll(pages[i]!, PHASE_TIMEOUT_MS);
      const bad = cells.filter((c) => c.errors.length > 0);
      if (bad.length > 0) throw new Error(`${bad.length} error cell(s): ${bad[0]!.errors[0]}`);
    });
    const grade = await phase("npm run grade -- 00 in a terminal", learners, uids, async (l, i) => {
      const { output } = await inTerminal(pages[i]!, `${hub.url}/user/${l}`, "cd ~/course && npm run grade -- 00", PHASE_TIMEOUT_MS);
      if (!/lab 00\s+0\/9\s+0\/10/.test(output)) throw new Error(`the grade did not report every test: ${output.slice(-300)}`);
    });
    lines.push(`N=${n}  load average before ${before}, after ${loadAverage()}  (1, 5, 15 min; this machine: ${(await import("node:os")).cpus().length} cores)`);
    for (const p of [spawn, notebook, grade]) {
      const ok = p.times.length;
      lines.push(
        `  ${p.name.padEnd(44)} ${ok}/${n} ok  median ${seconds(percentile(p.times, 50))} s  p95 ${seconds(percentile(p.times, 95))} s  peak memory ${(p.peakPssKb / 1024 / n).toFixed(0)} MB/learner (${(p.peakPssKb / 1024).toFixed(0)} MB in all)`,
      );
      for (const failure of p.failures.slice(0, 5)) lines.push(`    failed: ${failure}`);
    }
    lines.push(`  memory at rest after spawn (server + kernel): ${(idle / 1024 / n).toFixed(0)} MB/learner`);
  } finally {
    await browser.close();
    await hub.stop();
    removeAccounts(learners);
  }
  return lines;
}

const report: string[] = [];
for (const n of counts.length > 0 ? counts : [5, 10, 20]) {
  console.log(`\n--- ${n} learners at once …`);
  try {
    const lines = await measure(n);
    console.log(lines.join("\n"));
    report.push(...lines);
  } catch (err) {
    const line = `N=${n}: the run failed: ${(err as Error).message.split("\n").slice(0, 3).join(" / ")}`;
    console.log(line);
    report.push(line);
  }
}
console.log(`\nSummary\n${report.join("\n")}`);
process.exit(report.some((line) => / 0\/| failed/.test(line)) ? 1 : 0); // open handles (keep-alive sockets) would otherwise keep it running

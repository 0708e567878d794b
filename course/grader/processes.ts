// What a lab's run left behind. The grader and its guard are child subreapers (see
// foundation/subreaper.ts), so every process the run started, however it detached (setsid, a
// double fork, a cleaned environment), is still their descendant: after the run, every
// descendant that was not there before it, that is not the guard, and that is not one of vitest's
// own processes is a straggler. A second net, for machines where the subreaper is not available:
// every process of the run inherits COURSE_RUN_ID=<id> (unless the lab scrubs its environment).
import { childrenOf, commandOf, descendantsOf, identity, isRunning, processEntry, processTable, type ProcessEntry } from "../foundation/proc";
import { reapOrphans } from "../foundation/subreaper";
import { pidsWithEnv, signalQuietly, waitUntil } from "../foundation/processes";
import { RUN_ID_VARIABLE } from "./run-env";

export interface Straggler {
  pid: number;
  command: string;
  /** The test (or tests, when files ran side by side) running when it was born, if the trace says. */
  bornDuring?: string[];
  /** Born while this test file was loading (top-level code of the file or of a module it imports). */
  bornWhileLoading?: string;
  /** When it was born, in /proc's clock (1/100 s since boot). */
  startTicks?: number;
}

/**
 * The processes of a run, told apart: those that were there before it (the caller's own helpers,
 * such as tsx's esbuild service), the guard and its helpers, vitest's own (its workers and esbuild,
 * seen as direct children of vitest's main process: a lab's process can never be one), and the rest.
 */
export class RunProcesses {
  private readonly baseline: Set<string>;
  private readonly infrastructure = new Set<string>();
  private guard: number | undefined;

  private vitest: number | undefined;
  /** The programs vitest itself starts: its workers and esbuild, from the course's own node_modules. */
  private readonly ownPrograms: string[];

  constructor(
    private readonly runId: string,
    root: string,
  ) {
    this.baseline = new Set(descendantsOf(process.pid).map(identity));
    this.ownPrograms = [`${root}/node_modules/tinypool/dist/entry/process.js`, `${root}/node_modules/@esbuild/`];
  }

  /** The guard, and the helpers it had before it started vitest. */
  setGuard(pid: number, helpers: string[]): void {
    this.guard = pid;
    for (const helper of helpers) this.infrastructure.add(helper);
  }

  /** Note vitest's own processes; call it often while vitest runs (they are known by their parent). */
  observe(vitestPid: number): void {
    this.vitest = vitestPid;
    for (const child of childrenOf(vitestPid)) this.infrastructure.add(identity(child));
    const vitest = processEntry(vitestPid);
    if (vitest) this.infrastructure.add(identity(vitest));
  }

  /** Every living process the run started, vitest's own included, the guard excluded. */
  living(): ProcessEntry[] {
    const table = processTable();
    const byPid = new Map(table.map((entry) => [entry.pid, entry]));
    const found = new Map<number, ProcessEntry>();
    for (const entry of descendantsOf(process.pid, table)) {
      if (entry.pid !== this.guard && !this.baseline.has(identity(entry))) found.set(entry.pid, entry);
    }
    // The second net: orphans that went to pid 1 (no subreaper here), found by their marker.
    for (const pid of pidsWithEnv(RUN_ID_VARIABLE, this.runId)) {
      const entry = byPid.get(pid);
      if (entry && pid !== this.guard && !this.baseline.has(identity(entry))) found.set(pid, entry);
    }
    return [...found.values()].filter((entry) => entry.state !== "Z" && entry.state !== "X");
  }

  /**
   * One of vitest's own: seen as a direct child of vitest's main process (when observed, or in
   * the table the sweep read: a warm vitest starts its next test process while the sweep runs, and
   * it may exit before it can be named), or (a worker vitest started just before it ended, too
   * briefly to be seen) in vitest's process group and running one of the programs vitest starts.
   * A lab's process is never vitest's direct child (the lab runs in a test process, and an orphan
   * goes to the guard); it could only pass for one on purpose, and is killed all the same.
   */
  isInfrastructure(entry: ProcessEntry): boolean {
    if (this.infrastructure.has(identity(entry))) return true;
    if (this.vitest !== undefined && entry.ppid === this.vitest) return true;
    if (entry.pgid !== this.vitest) return false;
    const command = commandOf(entry.pid, Number.POSITIVE_INFINITY);
    return this.ownPrograms.some((program) => command.includes(program));
  }

  /**
   * Kill every process the run left, and say which of them the lab left (vitest's own are killed
   * without a word). Named before killing: a dead process has no command line. `spare` keeps
   * processes alive: a warm vitest's spare test process, which has run nothing yet (warm-lab.ts).
   */
  async sweep(timeoutMs = 5_000, spare: (entry: ProcessEntry) => boolean = () => false): Promise<Straggler[]> {
    const stragglers: Straggler[] = [];
    const killed: number[] = [];
    const living = (): ProcessEntry[] => this.living().filter((entry) => !spare(entry));
    // A process may fork while we kill: go round until nothing is left.
    const deadline = performance.now() + timeoutMs;
    for (let left = living(); left.length > 0 && performance.now() < deadline; left = living()) {
      for (const entry of left) {
        if (!killed.includes(entry.pid) && !this.isInfrastructure(entry)) {
          // Named before it is signalled. One whose command line is already gone ended on its own
          // between the look and the naming: it was not left running (a warm vitest's test
          // process ends just as the sweep starts; so may a lab's last child, on time).
          const command = commandOf(entry.pid);
          if (command !== "") stragglers.push({ pid: entry.pid, command, startTicks: entry.startTicks });
        }
        killed.push(entry.pid);
        signalQuietly(entry.pid);
      }
      await waitUntil(() => !left.some((entry) => isRunning(entry.pid)), Math.max(0, deadline - performance.now()));
    }
    // Orphans that came to this process (the guard was gone) are our zombies now: reap only those.
    reapOrphans((pid) => !killed.includes(pid));
    return stragglers;
  }
}

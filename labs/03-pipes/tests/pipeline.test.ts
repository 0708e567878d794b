// Lab 03 tests: runPipeline. Every claim about the wiring is checked in the
// kernel, through /proc: which descriptors each child holds, and which the
// parent (this test process) still holds.
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PipelineUsageError, runPipeline, type StageStatus } from "@impl/03-pipes/pipeline";
import { expectThrows, impl, processTable, readAll, spawnTs, tempDir, waitFor, waitForExit } from "../../../course/testkit";

const RSS_PIPELINE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "rss-pipeline.ts");
const MISSING = "no-such-command-03-pipes";

/** Files for a pipeline's ends: stdin with the given text, stdout and stderr empty. */
function pipelineFiles(input = ""): {
  stdin: number;
  stdout: number;
  stderr: number;
  output: () => string;
  errors: () => string;
  close: () => void;
} {
  const dir = tempDir("pipes-");
  const inputFile = path.join(dir, "in");
  writeFileSync(inputFile, input);
  const fds = {
    stdin: openSync(inputFile, "r"),
    stdout: openSync(path.join(dir, "out"), "w"),
    stderr: openSync(path.join(dir, "err"), "w"),
  };
  return {
    ...fds,
    output: () => readFileSync(path.join(dir, "out"), "utf8"),
    errors: () => readFileSync(path.join(dir, "err"), "utf8"),
    close: () => Object.values(fds).forEach((fd) => closeSync(fd)),
  };
}

/**
 * Run a pipeline to its end. A stage that the parent keeps from ending (it
 * holds a copy of the stage's pipe) is reported at once, not after a timeout.
 */
async function finished(what: string, run: Promise<StageStatus[]>): Promise<StageStatus[]> {
  let ended = false;
  run.then(
    () => (ended = true),
    () => (ended = true),
  );
  await waitFor(`${what} to end (a stage blocked forever?)`, () => {
    if (ended) return true;
    const stuck = stageStuckOnParentsPipe();
    if (stuck) throw new Error(`${what} cannot end: ${stuck}`);
    return false;
  });
  return run;
}

/** Device:inode of every pipe this process (the parent) holds open, beyond its own stdin, stdout and stderr. */
function pipesHeldHere(): Set<string> {
  const held = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    if (Number(fd) <= 2) continue; // our own stdio may be pipes from whoever runs the tests
    try {
      const stat = statSync(`/proc/self/fd/${fd}`);
      if (stat.isFIFO()) held.add(`${stat.dev}:${stat.ino}`);
    } catch {
      // closed meanwhile
    }
  }
  return held;
}

/** A sentence when a child sleeps on a pipe whose other end only this process keeps alive; undefined otherwise. */
function stageStuckOnParentsPipe(): string | undefined {
  const held = pipesHeldHere();
  if (held.size === 0) return undefined;
  for (const child of childrenOfThisProcess()) {
    let wait: string;
    try {
      wait = readFileSync(`/proc/${child.pid}/wchan`, "utf8");
    } catch {
      continue;
    }
    const name = `${path.basename(child.argv[0] ?? "?")} (pid ${child.pid})`;
    try {
      if (/pipe_write$/.test(wait) && held.has(identity(`/proc/${child.pid}/fd/1`))) {
        return `${name} is blocked writing into a full pipe whose read end this process (the parent) still holds. Its reader has finished, but while any read end is open the writer gets no SIGPIPE: close the parent's copies once the children have theirs.`;
      }
      if (/pipe_read$/.test(wait) && held.has(identity(`/proc/${child.pid}/fd/0`))) {
        return `${name} is waiting to read from a pipe whose write end this process (the parent) still holds. Its writer has finished, but while any write end is open the reader never sees end-of-file: close the parent's copies once the children have theirs.`;
      }
    } catch {
      // the child exited meanwhile
    }
  }
  return undefined;
}

/** Every child of this process, with its command line. */
function childrenOfThisProcess(): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const { pid } of processTable().filter((entry) => entry.ppid === process.pid)) {
    try {
      found.push({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1) });
    } catch {
      // Gone already.
    }
  }
  return found;
}

/** The stages' statuses, short: "code 0", "signal SIGPIPE", "error ENOENT". */
const outcomes = (statuses: readonly StageStatus[]): string[] =>
  statuses.map((s) => {
    const set = [s.code !== null, s.signal !== null, s.error !== null].filter(Boolean).length;
    if (set !== 1) return `exactly one of code, signal, error must be set: ${JSON.stringify(s)}`;
    if (s.error !== null) return `error ${s.error.code}`;
    return s.signal !== null ? `signal ${s.signal}` : `code ${s.code}`;
  });

/** Children of this process that have exec'd `command`, with their command lines. */
function childrenRunning(command: string): { pid: number; argv: string[] }[] {
  return childrenOfThisProcess().filter(({ argv }) => path.basename(argv[0] ?? "") === command);
}

/** Device and inode of what a descriptor of a process points at: the same pipe gives the same pair. */
function identity(fdPath: string): string {
  const stat = statSync(fdPath);
  return `${stat.dev}:${stat.ino}`;
}

describe("connect", () => {
  it("passes the data through every stage", async () => {
    const files = pipelineFiles("banana\napple\ncherry\n");
    const statuses = await finished("sort | tr | cat", runPipeline([["sort"], ["tr", "a-z", "A-Z"], ["cat"]], files));
    files.close();
    expect(outcomes(statuses)).toEqual(["code 0", "code 0", "code 0"]);
    expect(files.output()).toBe("APPLE\nBANANA\nCHERRY\n");
  });

  it("hands one child's stdout to the next child's stdin: one pipe, which the parent no longer holds", async () => {
    // stdin is a FIFO that this test holds open for writing, so the first cat
    // blocks, reading, while we look at both children in /proc.
    const dir = tempDir("pipes-");
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const holder = openSync(fifo, constants.O_RDWR);
    const stdin = openSync(fifo, constants.O_RDONLY);
    const stdout = openSync("/dev/null", "w");
    const run = runPipeline([["cat"], ["cat", "-"]], { stdin, stdout });
    try {
      const [first, second] = await waitFor("both cat stages to be running", () => {
        const cats = childrenRunning("cat");
        const a = cats.find((c) => c.argv.length === 1);
        const b = cats.find((c) => c.argv.length === 2);
        return a && b ? [a, b] : undefined;
      });
      const written = identity(`/proc/${first.pid}/fd/1`);
      const read = identity(`/proc/${second.pid}/fd/0`);
      expect(read, "the second stage must read the very pipe the first one writes, not a copy made by the parent").toBe(written);
      expect(statSync(`/proc/${first.pid}/fd/1`).isFIFO(), "stages must be joined by a pipe (a socketpair gives ECONNRESET, not SIGPIPE)").toBe(true);
      const heldByParent = readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return identity(`/proc/self/fd/${fd}`) === written;
        } catch {
          return false;
        }
      });
      expect(heldByParent, "the parent must close its copies of the pipe's ends once the children have theirs").toEqual([]);
    } finally {
      closeSync(holder);
      closeSync(stdin);
    }
    const statuses = await finished("cat | cat", run);
    closeSync(stdout);
    expect(outcomes(statuses)).toEqual(["code 0", "code 0"]);
  });

  it("keeps the parent's memory flat while 100 MB go through", async () => {
    const countFile = path.join(tempDir("pipes-"), "count");
    const probe = spawnTs(RSS_PIPELINE, [impl("03-pipes/pipeline.ts"), "100", countFile]);
    const [line, status] = await Promise.all([readAll(probe.stdout!, "the 100 MB pipeline's report"), waitForExit(probe, "the 100 MB pipeline", 60_000)]);
    expect(status, `the 100 MB pipeline failed: ${line}`).toEqual({ code: 0, signal: null });
    const report = JSON.parse(line) as { statuses: unknown[]; startRss: number; peakRss: number; counted: number };
    expect(report.statuses).toEqual([0, 1, 2].map(() => ({ code: 0, signal: null, error: null })));
    expect(report.counted).toBe(100 * 1024 * 1024);
    const grownMiB = (report.peakRss - report.startRss) / (1024 * 1024);
    // Bytes that pass through JavaScript cost memory; 100 MB kept in buffers costs 100 MB or more.
    expect(grownMiB, "the parent's memory grew with the data: are the bytes going through JavaScript?").toBeLessThan(40);
  }, 90_000);

  it("keeps every stage's stderr out of the data", async () => {
    const files = pipelineFiles();
    const statuses = await finished(
      "two stages writing to stderr",
      runPipeline(
        [
          ["sh", "-c", "echo data; echo first-complains >&2"],
          ["sh", "-c", "cat; echo second-complains >&2"],
        ],
        files,
      ),
    );
    files.close();
    expect(outcomes(statuses)).toEqual(["code 0", "code 0"]);
    expect(files.output()).toBe("data\n");
    expect(files.errors()).toContain("first-complains");
    expect(files.errors()).toContain("second-complains");
  });

  it("refuses an empty pipeline or an empty stage with a PipelineUsageError", () => {
    expectThrows(() => runPipeline([]), PipelineUsageError, "runPipeline([])");
    expectThrows(() => runPipeline([["cat"], []]), PipelineUsageError, "runPipeline([['cat'], []])");
  });
});

describe("statuses", () => {
  it("reports every stage's exit code, in order", async () => {
    const files = pipelineFiles("x\n");
    const stages = [
      ["sh", "-c", "cat; exit 3"],
      ["sh", "-c", "cat; exit 5"],
      ["sh", "-c", "cat > /dev/null"],
    ];
    const statuses = await finished("three stages", runPipeline(stages, files));
    files.close();
    expect(outcomes(statuses)).toEqual(["code 3", "code 5", "code 0"]);
    expect(statuses.map((s) => s.argv)).toEqual(stages);
    for (const s of statuses) expect(s.pid).toEqual(expect.any(Number));
  });

  it("reports a stage killed by a signal", async () => {
    const files = pipelineFiles();
    const statuses = await finished("true | kill itself | cat", runPipeline([["true"], ["sh", "-c", "kill -KILL $$"], ["cat"]], files));
    files.close();
    expect(outcomes(statuses)).toEqual(["code 0", "signal SIGKILL", "code 0"]);
  });

  it("ends `yes | head -1` at once, with yes killed by SIGPIPE", async () => {
    const files = pipelineFiles();
    const statuses = await finished("yes | head -1", runPipeline([["yes"], ["head", "-1"]], files));
    files.close();
    expect(outcomes(statuses)).toEqual(["signal SIGPIPE", "code 0"]);
    expect(files.output()).toBe("y\n");
  });

  it("reports a missing command as ENOENT for its stage, and the others still end", async () => {
    const files = pipelineFiles();
    const statuses = await finished(`yes | ${MISSING} | cat`, runPipeline([["yes"], [MISSING], ["cat"]], files));
    files.close();
    expect(outcomes(statuses)).toEqual(["signal SIGPIPE", "error ENOENT", "code 0"]);
    expect(statuses[1]?.pid).toBeNull();
    expect(files.output()).toBe("");
  });

  it("reports a missing first command, and the next stage sees end-of-file", async () => {
    const files = pipelineFiles();
    const statuses = await finished(`${MISSING} | wc -c`, runPipeline([[MISSING], ["wc", "-c"]], files));
    files.close();
    expect(outcomes(statuses)).toEqual(["error ENOENT", "code 0"]);
    expect(files.output().trim()).toBe("0");
  });
});

// Lab 02 tests: what a child really inherits, read from /proc, and a log that
// parent and child share through one open file description.
import { execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { launch } from "@impl/02-fork-semantics/launch";
import { NoSuchProcessError, readInherited } from "@impl/02-fork-semantics/inherited";
import { appendTogether, ChildFailedError } from "@impl/02-fork-semantics/shared-fd";
import {
  expectRejects,
  expectThrows,
  impl,
  processEntry,
  readAll,
  rejectionOf,
  spawnTracked,
  spawnTs,
  tempDir,
  trackPid,
  tsNodeArgs,
  waitFor,
  waitForExit,
  withTimeout,
} from "../../../course/testkit";

const CHILD_WRITER = impl("02-fork-semantics/child-writer.ts");
const O_CLOEXEC = 0o2000000;

// ---------------------------------------------------------------- tools

const opened: number[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
});

function openFile(file: string, flags = "w"): number {
  const fd = openSync(file, flags);
  opened.push(fd);
  return fd;
}

/**
 * Descriptors of THIS process that any child inherits whatever its parent's
 * code does: no close-on-exec flag (a test runner may have such strays). They
 * are not the lab's fault, so the "nothing extra" checks leave them out.
 */
function strayInheritableFds(): Set<number> {
  const strays = new Set<number>();
  for (const name of readdirSync("/proc/self/fd")) {
    const fd = Number(name);
    if (fd < 3) continue;
    try {
      const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
      if (flags?.[1] !== undefined && (parseInt(flags[1], 8) & O_CLOEXEC) === 0) strays.add(fd);
    } catch {
      // Closed meanwhile (the readdir's own descriptor).
    }
  }
  return strays;
}

/**
 * The signals a child of this test process ignores before it ignores anything itself: what the
 * process that started the test run ignored, and spawn did not reset (Node's spawn resets signals
 * 1 to 31 only, so an ignored real-time signal, such as the 32 and 33 that some tools ignore in
 * what they start, carries through every exec). Read by the test itself, from a control child
 * started the same way.
 */
async function strayIgnoredSignals(): Promise<number[]> {
  const control = spawnTracked("/bin/sh", ["-c", "exec sleep 1000"], { stdio: "ignore" });
  try {
    await sleeping(control.pid as number);
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${control.pid}/status`, "utf8"))?.[1] ?? "0";
    const bits = BigInt(`0x${mask}`);
    return Array.from({ length: 64 }, (_, i) => i + 1).filter((signal) => (bits >> BigInt(signal - 1)) & 1n);
  } finally {
    await stop(control);
  }
}

/** The child's fds from /proc, read by the test itself, strays of the runner left out. */
function childFds(pid: number, strays: Set<number>): Record<string, string> {
  const fds: Record<string, string> = {};
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    if (strays.has(Number(name))) continue;
    fds[name] = readlinkSync(`/proc/${pid}/fd/${name}`);
  }
  return fds;
}

/** Wait until `pid` runs `sleep` and sleeps in it: exec is done, the loader's files are closed. */
async function sleeping(pid: number): Promise<void> {
  await waitFor(`process ${pid} to be asleep in sleep(1)`, () => {
    const entry = processEntry(pid);
    return entry?.comm === "sleep" && entry.state === "S";
  });
}

/** A child of `parent` (spawned from its main thread) that runs sleep(1), if any. */
function sleepingChildOf(parent: number): number | undefined {
  const children = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  return children.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sleep";
    } catch {
      return false;
    }
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await waitForExit(child);
}

function launched(child: ChildProcess): ChildProcess {
  expect(child.pid, "launch() must return the started ChildProcess").toBeTypeOf("number");
  trackPid(child.pid as number);
  return child;
}

// ---------------------------------------------------------------- launch

describe("launch", () => {
  it("gives the child exactly the fds asked for, at the numbers asked for, and nothing else", async () => {
    const dir = tempDir("fork02-");
    const a = openFile(path.join(dir, "a.log"));
    const b = openFile(path.join(dir, "b.log"));
    const strays = strayInheritableFds();
    const child = launched(launch({ command: "sleep", args: ["1000"], cwd: dir, env: {}, fds: { 3: a, 5: b } }));
    try {
      await sleeping(child.pid as number);
      expect(childFds(child.pid as number, strays), "0-2 must be /dev/null when not asked for; 4 must stay closed").toEqual({
        "0": "/dev/null",
        "1": "/dev/null",
        "2": "/dev/null",
        "3": path.join(realpathSync(dir), "a.log"),
        "5": path.join(realpathSync(dir), "b.log"),
      });
    } finally {
      await stop(child);
    }
  });

  it("puts a parent's fd at the child's stdout when asked (no pipe, no inherited terminal)", async () => {
    const dir = tempDir("fork02-");
    const out = openFile(path.join(dir, "out.log"));
    const strays = strayInheritableFds();
    const child = launched(launch({ command: "sleep", args: ["1000"], cwd: dir, env: {}, fds: { 1: out } }));
    try {
      await sleeping(child.pid as number);
      expect(childFds(child.pid as number, strays)).toEqual({
        "0": "/dev/null",
        "1": path.join(realpathSync(dir), "out.log"),
        "2": "/dev/null",
      });
    } finally {
      await stop(child);
    }
  });

  it("sets the child's cwd and exactly the env asked for (nothing of the parent's)", async () => {
    const dir = tempDir("fork02-");
    const child = launched(launch({ command: "sleep", args: ["1000"], cwd: dir, env: { ONLY: "this", EQ: "a=b" }, fds: {} }));
    try {
      await sleeping(child.pid as number);
      expect(readlinkSync(`/proc/${child.pid}/cwd`)).toBe(realpathSync(dir));
      const environ = readFileSync(`/proc/${child.pid}/environ`, "utf8").split("\0").filter(Boolean).sort();
      expect(environ).toEqual(["EQ=a=b", "ONLY=this"]);
    } finally {
      await stop(child);
    }
  });

  it("refuses a missing cwd with an error naming it, before starting anything", () => {
    const missing = path.join(tempDir("fork02-"), "no-such-dir");
    const err = expectThrows(
      () => launch({ command: "sleep", args: ["1000"], cwd: missing, env: {}, fds: {} }),
      Error,
      "launch() with a cwd that does not exist",
    );
    expect(err.message).toContain(missing);
    expect(err.message).not.toContain("TODO");
  });
});

// ---------------------------------------------------------------- readInherited

describe("readInherited", () => {
  it("reports the child's own fds, cwd, env, ppid and ignored signals, not the parent's later ones", async () => {
    const dir = tempDir("fork02-");
    const file = path.join(realpathSync(dir), "shared.log");
    const fd = openFile(file);
    const strays = strayInheritableFds();
    const strayIgnored = await strayIgnoredSignals();
    // sh ignores SIGINT, then exec keeps that disposition: sleep inherits SIG_IGN for signal 2.
    // PWD given so that sh has nothing to add to the environment it passes on.
    const env = { PATH: "/usr/bin:/bin", PWD: realpathSync(dir), GREETING: "hello", EQ: "x=y" };
    const child = spawnTracked("/bin/sh", ["-c", 'trap "" INT; exec sleep 1000'], {
      cwd: dir,
      env,
      stdio: ["ignore", "ignore", "ignore", fd],
    });
    const previous = process.env.GREETING;
    try {
      await sleeping(child.pid as number);
      // The parent changes its mind after the child started: the child must not see it.
      process.env.GREETING = "changed later by the parent";
      const report = readInherited(child.pid as number);
      for (const stray of strays) delete report.fds[stray];
      expect(report).toEqual({
        pid: child.pid,
        ppid: process.pid,
        cwd: realpathSync(dir),
        env: { ...env },
        fds: { 0: "/dev/null", 1: "/dev/null", 2: "/dev/null", 3: file },
        ignoredSignals: [...new Set([2, ...strayIgnored])].sort((x, y) => x - y),
      });
    } finally {
      if (previous === undefined) delete process.env.GREETING;
      else process.env.GREETING = previous;
      await stop(child);
    }
  });

  it("decodes the whole SigIgn mask (Node itself ignores SIGPIPE 13 and SIGXFSZ 25)", () => {
    const report = readInherited(process.pid);
    expect(report.ignoredSignals).toContain(13);
    expect(report.ignoredSignals).toContain(25);
    expect(report.ignoredSignals).not.toContain(2);
    expect(report.ppid).toBe(process.ppid);
  });

  it("throws NoSuchProcessError naming the pid once the child has been reaped", async () => {
    const child = spawnTracked("true", []);
    await waitForExit(child);
    const err = expectThrows(() => readInherited(child.pid as number), NoSuchProcessError, "readInherited(child.pid as number)");
    expect(err.pid).toBe(child.pid);
    expect((err as Error).message).toContain(String(child.pid));
  });
});

// ---------------------------------------------------------------- childWriter

describe("childWriter", () => {
  it("writes its arguments as lines to the fd 3 it was given (it opens nothing itself)", async () => {
    const child = spawnTs(CHILD_WRITER, ["first", "second line", ""], { stdio: ["ignore", "pipe", "pipe", "pipe"] });
    const fd3 = child.stdio[3] as Readable;
    const [written, stdout, status] = await Promise.all([
      readAll(fd3, "the child's lines on fd 3"),
      readAll(child.stdout as Readable, "the child's stdout"),
      waitForExit(child),
    ]);
    expect(status.code, "child-writer.ts must exit 0").toBe(0);
    expect(written).toBe("first\nsecond line\n\n");
    expect(stdout).toBe("");
  });
});

// ---------------------------------------------------------------- appendTogether

const writerChild = (...lines: string[]) => ({ command: process.execPath, args: [...tsNodeArgs, CHILD_WRITER, ...lines] });

describe("appendTogether", () => {
  it("parent and child lines all survive, in order: one offset, no overwrites", async () => {
    const log = path.join(tempDir("fork02-"), "shared.log");
    writeFileSync(log, "stale content from an earlier run that is much longer than the new lines\n".repeat(3));
    await appendTogether(log, {
      before: ["parent: one", "parent: two"],
      child: writerChild("child: a", "child: b", "child: c"),
      after: ["parent: three"],
    });
    expect(readFileSync(log, "utf8")).toBe("parent: one\nparent: two\nchild: a\nchild: b\nchild: c\nparent: three\n");
  });

  it("waits for the child before writing `after` and before resolving", async () => {
    const dir = tempDir("fork02-");
    const log = path.join(dir, "shared.log");
    const gate = path.join(dir, "gate");
    execFileSync("mkfifo", [gate]);
    // The child cannot write until the test opens the gate: only a parent that waits can be right.
    const child = { command: "sh", args: ["-c", `read go < "${gate}"; printf 'child: late\\n' >&3`] };
    const done = appendTogether(log, { before: ["parent: before"], child, after: ["parent: after"] });
    const gateOpened = open(gate, "w"); // completes once the child is reading the gate
    const first = await withTimeout(
      "the child to open the gate, or appendTogether() to settle",
      Promise.race([
        gateOpened.then(() => "child is running"),
        done.then(
          () => "settled",
          () => "settled",
        ),
      ]),
    );
    if (first === "settled") {
      // Release our own pending open (a reader of our own) before reporting.
      const reader = openSync(gate, constants.O_RDONLY | constants.O_NONBLOCK);
      await (await gateOpened).close();
      closeSync(reader);
      await done; // rethrows what appendTogether() threw, if it did
      expect.fail("appendTogether() resolved while its child was still running: wait for the child's exit");
    }
    const writer = await gateOpened;
    try {
      await writer.write("go\n");
    } finally {
      await writer.close();
    }
    await done;
    expect(readFileSync(log, "utf8")).toBe("parent: before\nchild: late\nparent: after\n");
  });

  it("hands the child only the log at fd 3: 0 and 1 are /dev/null, no other file of the parent", async () => {
    const dir = tempDir("fork02-");
    const log = path.join(realpathSync(dir), "shared.log");
    openFile(path.join(dir, "unrelated.txt")); // open in the parent, must not reach the child
    const strays = strayInheritableFds();
    const done = appendTogether(log, { before: [], child: { command: "sleep", args: ["1000"] }, after: [] });
    const settledFirst = done.then(() => {
      throw new Error("appendTogether() resolved while its child (sleep 1000) was still running");
    });
    const pid = await Promise.race([waitFor("appendTogether's child to start sleep(1)", () => sleepingChildOf(process.pid)), settledFirst]);
    trackPid(pid);
    await sleeping(pid);
    const fds = childFds(pid, strays);
    process.kill(pid, "SIGKILL");
    const err = await rejectionOf(() => done);
    delete fds["2"]; // stderr may be a pipe to the parent, for its error message
    expect(fds).toEqual({ "0": "/dev/null", "1": "/dev/null", "3": log });
    expect(err, "a child killed by a signal is a failure").toBeInstanceOf(ChildFailedError);
    expect((err as ChildFailedError).signal).toBe("SIGKILL");
  });

  it("rejects with ChildFailedError carrying the exit code and stderr when the child fails", async () => {
    const log = path.join(tempDir("fork02-"), "shared.log");
    const child = { command: "sh", args: ["-c", "echo 'disk on fire' >&2; exit 7"] };
    const err = await expectRejects(
      () => appendTogether(log, { before: ["x"], child, after: ["y"] }),
      ChildFailedError,
      "appendTogether(log, { before: ['x'], child, after: ['y'] })",
    );
    expect(err.code).toBe(7);
    expect(err.stderr).toContain("disk on fire");
    expect(readFileSync(log, "utf8"), "nothing is written after a failed child").toBe("x\n");
  });
});

// Lab 00 tests: parseStat and readStat, against made-up lines and the real /proc.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NoSuchProcessError, parseStat, readStat } from "@impl/00-welcome/stat";
import { expectThrows, readLine, spawnTracked, waitForExit } from "../../../course/testkit";

// A made-up line in which every field has a different value, so reading the
// neighbour of the right field (an off-by-one) always gives a wrong answer.
function fakeStatLine(comm: string): string {
  const afterComm = Array.from({ length: 50 }, (_, i) => String(1000 + i + 3)); // field n holds 1000 + n
  afterComm[0] = "S"; // field 3, state
  afterComm[5] = "-1"; // field 8, tpgid: no terminal
  return `4242 (${comm}) ${afterComm.join(" ")}\n`;
}

describe("parseStat", () => {
  it("reads every field from its own position (proc(5) numbering)", () => {
    const stat = parseStat(fakeStatLine("sleep"));
    expect(stat).toEqual({
      pid: 4242,
      comm: "sleep",
      state: "S",
      ppid: 1004,
      pgrp: 1005,
      session: 1006,
      ttyNr: 1007,
      tpgid: -1,
      numThreads: 1020,
      startTime: 1022,
    });
  });

  it("keeps spaces inside comm", () => {
    const stat = parseStat(fakeStatLine("tmux: server"));
    expect(stat.comm).toBe("tmux: server");
    expect(stat.ppid).toBe(1004);
  });

  it("splits at the last ')', since comm may contain ')' and '('", () => {
    const stat = parseStat(fakeStatLine("a) S 1 (b"));
    expect(stat.comm).toBe("a) S 1 (b");
    expect(stat.state).toBe("S");
    expect(stat.startTime).toBe(1022);
  });

  it("rejects text that is not a stat line, saying so", () => {
    expect(() => parseStat("hello world")).toThrow(/stat/);
    expect(() => parseStat("12 (x) S one two")).toThrow(/stat/);
  });

  it("checks every field it returns: a whole number must be all digits, and the line must be long enough", () => {
    // Each line is a real-looking stat line with one thing wrong. parseInt()
    // would read "1004x" as 1004 and "10.5" as 10; Number() of a missing
    // field is NaN. A parser must refuse them all, naming the stat line.
    const good = fakeStatLine("sleep");
    const fields = good.trim().split(" ");
    const withField = (index: number, value: string): string => fields.map((f, i) => (i === index ? value : f)).join(" ");
    const broken: Array<[string, string]> = [
      ['ppid with letters after the digits ("1004x")', withField(3, "1004x")],
      ['a fractional session ("1006.5")', withField(5, "1006.5")],
      ['a starttime of "1e3"', withField(21, "1e3")],
      ['a pid that is not a number ("42abc")', withField(0, "42abc")],
      ['no pid before "("', good.replace("4242 ", "")],
      ["a line cut short after tpgid (no num_threads, no starttime)", fields.slice(0, 8).join(" ")],
      ["a state of two letters", withField(2, "SS")],
    ];
    for (const [what, line] of broken) {
      const error = expectThrows(() => parseStat(line), Error, `parseStat() of a line with ${what}`);
      expect(error.message, `the error for a line with ${what} should say it is not a /proc/<pid>/stat line`).toMatch(/stat/);
    }
  });
});

describe("readStat", () => {
  it("reads this process: pid, ppid and thread count match the kernel", () => {
    const stat = readStat(process.pid);
    expect(stat.pid).toBe(process.pid);
    expect(stat.ppid).toBe(process.ppid);
    expect(stat.comm.length).toBeGreaterThan(0);
    // Node always runs helper threads, and the kernel's own count says how many.
    const status = readFileSync(`/proc/${process.pid}/status`, "utf8");
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]);
    expect(stat.numThreads).toBe(threads);
    expect(readStat("self").pid).toBe(process.pid);
  });

  it("reads a child whose name contains ') (' and spaces", async () => {
    // process.title renames the main thread; the kernel keeps the first 15 bytes.
    const script = 'process.title = "x) R 1 (y z"; console.log("ready"); setInterval(() => {}, 1000);';
    const child = spawnTracked(process.execPath, ["-e", script]);
    await readLine(child.stdout!, "the child to set its name", { pattern: /ready/ });
    const stat = readStat(child.pid!);
    expect(stat.comm).toBe("x) R 1 (y z");
    expect(stat.ppid).toBe(process.pid);
    expect(stat.pgrp).toBe(child.pid); // spawned in its own process group
    expect(stat.session).toBe(child.pid); // detached: setsid() made it a session leader
    expect(stat.ttyNr).toBe(0);
    expect(stat.state).toMatch(/^[RS]$/);
    // Field 22, start time, is the same number /proc/<pid>/stat has at position 22.
    const raw = readFileSync(`/proc/${child.pid}/stat`, "utf8");
    const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    expect(stat.startTime).toBe(Number(fields[19]));
    child.kill("SIGKILL");
    await waitForExit(child);
  });

  it("reports a pid with no process clearly", async () => {
    const child = spawnTracked(process.execPath, ["-e", ""]);
    await waitForExit(child);
    const gone = child.pid!; // exited and reaped: this pid is free now
    const error = expectThrows(() => readStat(gone), NoSuchProcessError, "readStat(gone)");
    expect(error.pid).toBe(gone);
    expect((error as Error).message).toContain(String(gone));
  });

  it("rejects an argument that is not a pid", () => {
    expect(() => readStat(-5)).toThrow(/pid/);
    expect(() => readStat(1.5)).toThrow(/pid/);
  });
});

// Lab 11 tests, task "logs": stdout and stderr through pipes into per-program logs.
import { existsSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_LINE_BYTES } from "@impl/11-supervisor/logs";
import { tempDir, waitFor } from "../../../course/testkit";
import { ask, readLog, sh, startSupd, supctl, TEST_MS, waitForProgram, writeConfig } from "./harness";

/** The lines of a log text, without the empty piece after the last "\n". */
function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

describe("logs", () => {
  it(
    "a program that writes 20,000 lines fast and exits: every line is in its log, in order, the unterminated last one too",
    async () => {
      const dir = tempDir("supd-logs-");
      const config = writeConfig(dir, {
        burst: sh("seq 1 20000; printf 'the end, no newline'", { startMs: 0, startRetries: 0, autorestart: false }),
        both: sh("echo to stdout; echo to stderr >&2; exec sleep 1000", { startMs: 100 }),
      });
      const supd = await startSupd(config);
      await waitForProgram(supd.socket, "burst", "finished (EXITED)", (p) => p.state === "EXITED" || p.state === "FATAL");
      // The exit comes before the pipe is read to its end: wait for the log, bounded.
      const lines = await waitFor(
        "burst.log to hold its 20,001 lines (a log that stops short lost the lines still in the pipe when the program exited)",
        () => {
          const found = linesOf(readLog(dir, "burst"));
          return found.length >= 20_001 ? found : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(lines.length, "no line lost, none written twice").toBe(20_001);
      const numbers = lines.slice(0, 20_000);
      const firstWrong = numbers.findIndex((line, i) => line !== String(i + 1));
      expect(firstWrong, `line ${firstWrong + 1} of burst.log is ${JSON.stringify(numbers[firstWrong])}: lines must stay whole and in order`).toBe(-1);
      expect(lines[20_000], "the last line, which ends without a newline, is written when the pipe ends").toBe("the end, no newline");

      const both = await waitFor("both.log to hold its stdout and its stderr line", () => {
        const found = linesOf(readLog(dir, "both"));
        return found.length >= 2 ? found : undefined;
      });
      expect([...both].sort(), "stdout and stderr go to the same log, whole lines").toEqual(["to stderr", "to stdout"]);
    },
    TEST_MS,
  );

  it(
    "the log is read to the pipe's end, not to the program's exit: a line written after the program was reaped is logged",
    async () => {
      const dir = tempDir("supd-logs-");
      // The program prints a line and exits. A process it started in a session of its own (so that
      // the clean-up of the program's group spares it) still holds the pipe: it waits until supd has
      // reaped the program (kill -0 fails), writes one more line and exits. Only then does the pipe end.
      // (The program exits only once that process has left its group: a file says so.)
      const detached = path.join(dir, "detached");
      const script = [
        "echo early",
        `setsid sh -c 'touch "$1"; while kill -0 "$0" 2>/dev/null; do sleep 0.01; done; echo late' "$$" ${JSON.stringify(detached)} &`,
        `while [ ! -e ${JSON.stringify(detached)} ]; do sleep 0.01; done`,
      ].join("\n");
      const config = writeConfig(dir, { parent: sh(script, { startMs: 0, startRetries: 0, autorestart: false }) });
      const supd = await startSupd(config);
      await waitForProgram(supd.socket, "parent", "finished (EXITED)", (p) => p.state === "EXITED" || p.state === "FATAL");
      const lines = await waitFor(
        'parent.log to hold "late", written after the program exited (a supervisor that stops reading at the exit loses it)',
        () => {
          const found = linesOf(readLog(dir, "parent"));
          return found.includes("late") ? found : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(lines).toEqual(["early", "late"]);
    },
    TEST_MS,
  );

  it(
    "SIGHUP reopens the logs: after a rename (logrotate), new lines go to a new file, and no line is lost",
    async () => {
      const dir = tempDir("supd-logs-");
      const config = writeConfig(dir, {
        ticker: sh('i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.02; done', { startMs: 100, stopTimeoutMs: 5000 }),
      });
      const supd = await startSupd(config);
      await waitForProgram(supd.socket, "ticker", "RUNNING", (p) => p.state === "RUNNING");
      await waitFor("ticker.log to get its first lines", () => (linesOf(readLog(dir, "ticker")).length >= 3 ? true : undefined));

      const log = path.join(dir, "logs", "ticker.log");
      const rotated = `${log}.1`;
      renameSync(log, rotated);
      process.kill(supd.pid, "SIGHUP");
      // Readiness: a new ticker.log with a line in it. Without a reopen, supd keeps writing to ticker.log.1.
      await waitFor(
        "a new ticker.log with a line written after SIGHUP (supd must reopen its log files on SIGHUP)",
        () => (existsSync(log) && linesOf(readLog(dir, "ticker")).length >= 2 ? true : undefined),
        { timeoutMs: 15_000 },
      );
      expect(await ask(supd.socket, { cmd: "stop", name: "ticker" }), "stop ticker").toMatchObject({ ok: true });
      expect(supd.child.exitCode, "supd survives SIGHUP (its default action would end it)").toBeNull();

      // Every tick, once, in order, across the two files.
      const old = linesOf(readFileSync(rotated, "utf8"));
      const fresh = await waitFor("ticker.log's last line to be whole", () => {
        const text = readLog(dir, "ticker");
        return text.endsWith("\n") ? linesOf(text) : undefined;
      });
      expect(old.length, "the renamed file kept the lines written before the reopen").toBeGreaterThanOrEqual(3);
      expect(fresh.length, "the new file got the lines written after it").toBeGreaterThanOrEqual(2);
      const all = [...old, ...fresh];
      const firstWrong = all.findIndex((line, i) => line !== `tick ${i + 1}`);
      expect(
        firstWrong,
        `line ${firstWrong + 1} across ticker.log.1 + ticker.log is ${JSON.stringify(all[firstWrong])}, expected "tick ${firstWrong + 1}"`,
      ).toBe(-1);
    },
    TEST_MS,
  );

  it(
    `a line longer than MAX_LINE_BYTES (${MAX_LINE_BYTES}) is cut and marked, and the lines after it are intact`,
    async () => {
      const dir = tempDir("supd-logs-");
      const config = writeConfig(dir, {
        // 300,000 bytes without a newline, then two ordinary lines.
        long: sh("head -c 300000 /dev/zero | tr '\\0' x; echo; echo after; echo the end; exec sleep 1000", { startMs: 100 }),
      });
      const supd = await startSupd(config);
      const lines = await waitFor("long.log to hold its three lines", () => {
        const found = linesOf(readLog(dir, "long"));
        return found.includes("the end") ? found : undefined;
      });
      expect(lines.length, "the long line stays ONE line in the log, followed by the two others").toBe(3);
      const cut = lines[0]!;
      expect(cut.startsWith("x".repeat(MAX_LINE_BYTES)), "the cut line keeps its first MAX_LINE_BYTES bytes").toBe(true);
      expect(cut.length, `the cut line is bounded: ${cut.length} bytes`).toBeLessThan(MAX_LINE_BYTES + 200);
      const marker = cut.slice(MAX_LINE_BYTES);
      expect(marker, "the cut is said in the log, with the number of bytes dropped").toContain(String(300_000 - MAX_LINE_BYTES));
      expect(lines.slice(1)).toEqual(["after", "the end"]);
      expect(supd.child.exitCode).toBeNull();
    },
    TEST_MS,
  );

  it(
    "supctl tail NAME prints the last lines of a program's log; an unknown program gets a clear error",
    async () => {
      const dir = tempDir("supd-logs-");
      const config = writeConfig(dir, { counter: sh("seq 1 50; exec sleep 1000", { startMs: 100 }) });
      const supd = await startSupd(config);
      await waitFor("counter.log to hold 50 lines", () => (linesOf(readLog(dir, "counter")).length >= 50 ? true : undefined));

      const tail = await supctl(["--socket", supd.socket, "--lines", "3", "tail", "counter"]);
      expect(tail.code, tail.stderr).toBe(0);
      expect(tail.stdout).toBe("48\n49\n50\n");
      const response = await ask(supd.socket, { cmd: "tail", name: "counter", lines: 5 });
      expect(response, "the tail request, framed like the others").toMatchObject({ ok: true, lines: ["46", "47", "48", "49", "50"] });

      const unknown = await supctl(["--socket", supd.socket, "tail", "nosuch"]);
      expect(unknown.code, "supd refused: exit 1").toBe(1);
      expect(unknown.stderr).toMatch(/no program called "nosuch"/);
      const bad = await ask(supd.socket, { cmd: "tail", name: "counter", lines: -1 } as never);
      expect(bad).toMatchObject({ ok: false, code: "bad-request" });
    },
    TEST_MS,
  );
});

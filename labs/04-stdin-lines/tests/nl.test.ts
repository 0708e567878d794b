// Lab 04 tests, part 2: the nl CLI. First its pieces in this process, with
// streams we control; then the real command in child processes, with stdin a
// pipe, a file, a FIFO and a socketpair, a reader that goes away, and a 1 GB line.
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { createWriteStream, readFileSync, readlinkSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { numberLines, runNl } from "@impl/04-stdin-lines/nl";
import { impl, spawnTracked, spawnTs, tempDir, tsNodeArgs, waitFor, waitForExit, withTimeout, type ExitStatus } from "../../../course/testkit";

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");
/** Compare nl's output with the expected text by its first differing line: a short message that names it. */
function expectSameOutput(output: string, expected: string, what: string): void {
  const got = output.split("\n");
  const want = expected.split("\n");
  const at = want.findIndex((line, i) => got[i] !== line);
  if (at >= 0) expect(got[at], `${what}: output line ${at + 1} of ${want.length - 1} differs`).toBe(want[at]);
  expect(got.length, `${what}: the number of output lines`).toBe(want.length);
}

const numbered = (lines: readonly string[]): string => lines.map((line, i) => `${String(i + 1).padStart(6)}\t${line}\n`).join("");
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A Writable that keeps what it is given, as text. */
function textSink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** An error like the one a write to a pipe with no reader gets. */
function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
}

/** Everything a child writes to a stream, kept as it arrives. */
function capture(stream: NodeJS.ReadableStream | null): () => string {
  const chunks: Buffer[] = [];
  stream?.on("data", (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString("utf8");
}

/** Wait until `probe` says yes; fail at once, with nl's stderr, if the child exits first. */
async function waitForOutput(child: ChildProcess, what: string, probe: () => boolean, stderr: () => string): Promise<void> {
  const exited = new Promise<never>((_, reject) => {
    const fail = (): void => reject(new Error(`nl exited (status ${child.exitCode}, signal ${child.signalCode}) before ${what}; its stderr:\n${stderr()}`));
    if (child.exitCode !== null || child.signalCode !== null) fail();
    else child.once("exit", fail);
  });
  await Promise.race([waitFor(what, probe), exited]);
}

/** The first line sh wrote (what stdin was), and the rest: nl's own stderr. */
function splitStderr(text: string): { stdinWas: string; nlStderr: string } {
  const newline = text.indexOf("\n");
  return newline === -1 ? { stdinWas: text, nlStderr: "" } : { stdinWas: text.slice(0, newline), nlStderr: text.slice(newline + 1) };
}

/** `node <the course's TypeScript loader> <the CLI under test>`, as a command line for sh's "$@". */
function nlCommand(extraNodeArgs: readonly string[] = []): string[] {
  return [process.execPath, ...tsNodeArgs, ...extraNodeArgs, impl("04-stdin-lines/cli.ts")];
}

/**
 * Run `script` with sh: `args` are $1, $2..., followed by the nl command line.
 * The stdin tests start nl with `{ readlink /proc/self/fd/0 >&2; shift; exec "$@"; }`,
 * so the first line on stderr says what its stdin really was.
 */
function shWithNl(script: string, args: readonly string[], extraNodeArgs: readonly string[] = [], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawnTracked("sh", ["-c", script, "sh", ...args, ...nlCommand(extraNodeArgs)], env ? { env } : {});
}

/** Input that crosses chunk boundaries: 200 KB, multi-byte characters, "\r\n", no final newline. */
function bigInput(): { data: Buffer; lines: string[] } {
  const lines = Array.from({ length: 4000 }, (_, i) => `${i}: naïve café, 3 €, 😀 ${"日本".repeat(i % 9)} ${"-".repeat(i % 31)}`);
  const text = lines
    .map((line, i) => (i % 5 === 0 ? `${line}\r\n` : `${line}\n`))
    .join("")
    .slice(0, -1);
  return { data: bytes(text), lines };
}

describe("numberLines", () => {
  it("numbers every line, empty ones included, like cat -n", async () => {
    const out = textSink();
    const count = await numberLines([bytes("alpha\n\nbe"), bytes("ta\r\ngamma")], out.stream);
    expect(count).toBe(4);
    expect(out.text()).toBe("     1\talpha\n     2\t\n     3\tbeta\n     4\tgamma\n");
  });

  it("waits for 'drain' when the output is full, instead of reading on", async () => {
    let pulled = 0;
    async function* input(): AsyncGenerator<Buffer> {
      for (let chunk = 0; chunk < 500; chunk++) {
        pulled += 1;
        yield bytes(Array.from({ length: 20 }, (_, i) => `chunk ${chunk} line ${i}\n`).join(""));
      }
    }
    // An output whose reader is stalled until we open the gate.
    const written: Buffer[] = [];
    const stalled: Array<() => void> = [];
    let gateOpen = false;
    const output = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        written.push(Buffer.from(chunk));
        if (gateOpen) done();
        else stalled.push(() => done());
      },
    });
    const running = numberLines(input(), output);
    const finishedEarly = running.then(() => {
      throw new Error("numberLines finished while its output could take nothing");
    });
    await Promise.race([waitFor("numberLines to fill the output's buffer", () => output.writableNeedDrain), finishedEarly]);
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(pulled, "chunks read while the output was full (backpressure ignored?)").toBeLessThanOrEqual(3);
    expect(output.writableLength).toBeLessThan(16 * 1024);

    gateOpen = true;
    for (const done of stalled.splice(0)) done();
    expect(await withTimeout("numberLines to finish once the output drains", running)).toBe(500 * 20);
    const expected = Array.from({ length: 500 }, (_, c) => Array.from({ length: 20 }, (_, i) => `chunk ${c} line ${i}`)).flat();
    expect(Buffer.concat(written).toString("utf8")).toBe(numbered(expected));
  });

  // A write can fail at once, or a moment later, after write() said all was well.
  for (const when of ["at once", "later"] as const) {
    it(`rejects with the output's error (EPIPE ${when}), stops reading and closes the input`, async () => {
      let pulled = 0;
      let closed = false;
      async function* endless(): AsyncGenerator<Buffer> {
        try {
          for (;;) {
            if (pulled > 10_000) throw new Error("still reading the input long after the output failed");
            pulled += 1;
            await nextTurn();
            yield bytes("more\n".repeat(50));
          }
        } finally {
          closed = true;
        }
      }
      let writes = 0;
      const output = new Writable({
        write(_chunk, _encoding, done) {
          writes += 1;
          if (writes < 3) done();
          else if (when === "at once") done(epipe());
          else setImmediate(() => done(epipe()));
        },
      });
      output.on("error", () => undefined); // the stream's owner listens too, as runNl does
      const result = numberLines(endless(), output);
      await expect(withTimeout("numberLines to stop after its output failed", result)).rejects.toMatchObject({ code: "EPIPE" });
      expect(closed, "the input's finally block ran").toBe(true);
    });
  }
});

describe("runNl", () => {
  it("exits 0 and prints nothing when the reader goes away (EPIPE)", async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<Buffer> {
      try {
        for (let i = 0; i < 10_000; i++) {
          await nextTurn();
          yield bytes("yes\n");
        }
        throw new Error("still reading the input long after the output failed");
      } finally {
        closed = true;
      }
    }
    let writes = 0;
    const stdout = new Writable({
      write(_chunk, _encoding, done) {
        writes += 1;
        done(writes >= 2 ? epipe() : null);
      },
    });
    const stderr = textSink();
    expect(await runNl([], endless(), stdout, stderr.stream)).toBe(0);
    expect(stderr.text()).toBe("");
    expect(closed, "after its reader went away, nl must stop reading: close (return from) the input it was iterating").toBe(true);
  });

  it("keeps listening for stdout's errors after it returns, so that a late EPIPE cannot crash nl", async () => {
    const stdout = textSink();
    expect(await runNl([], [bytes("a\nb\n")], stdout.stream, textSink().stream)).toBe(0);
    expect(stdout.text()).toBe(numbered(["a", "b"]));
    // The reader goes away after nl has written everything: the pipe reports
    // EPIPE later, when nothing of nl's is running. An "error" event that no
    // listener takes throws, which in the real CLI is an uncaught exception.
    const late = (): boolean => stdout.stream.emit("error", epipe());
    expect(late, 'an "error" event on stdout after runNl() returned: nobody listened for it').not.toThrow();
  });

  it("exits 1 with one line naming the line that is too long", async () => {
    const stdout = textSink();
    const stderr = textSink();
    const status = await runNl(["--max-line-bytes", "8"], [bytes("ok\nfine\nmuch too long\nlater\n")], stdout.stream, stderr.stream);
    expect(status).toBe(1);
    expect(stdout.text()).toBe(numbered(["ok", "fine"]));
    expect(stderr.text()).toMatch(/^nl: .*\bline 3\b.*\n$/);
  });

  it("exits 2 with the usage for a bad command line", async () => {
    for (const argv of [["--max-line-bytes", "lots"], ["--frobnicate"], ["extra"]]) {
      const stderr = textSink();
      expect(await runNl(argv, [bytes("a\n")], textSink().stream, stderr.stream), argv.join(" ")).toBe(2);
      expect(stderr.text()).toMatch(/^nl: /);
      expect(stderr.text()).toContain("usage:");
    }
  });
});

describe("nlStdin", () => {
  it("reads stdin from a pipe", async () => {
    const { data, lines } = bigInput();
    const file = path.join(tempDir("nl-pipe-"), "input.txt");
    writeFileSync(file, data);
    const child = shWithNl('cat "$1" | { readlink /proc/self/fd/0 >&2; shift; exec "$@"; }', [file]);
    const stdout = capture(child.stdout);
    const stderr = capture(child.stderr);
    const status = await waitForExit(child, "nl to number a piped file", 20_000);
    const { stdinWas, nlStderr } = splitStderr(stderr());
    expect(stdinWas, "what sh gave nl as stdin").toMatch(/^pipe:\[\d+\]$/);
    expect({ status, nlStderr }).toEqual({ status: { code: 0, signal: null }, nlStderr: "" });
    expectSameOutput(stdout(), numbered(lines), "nl reading a pipe");
  });

  it("reads stdin from a file", async () => {
    const { data, lines } = bigInput();
    const file = path.join(tempDir("nl-file-"), "input.txt");
    writeFileSync(file, data);
    const child = shWithNl('{ readlink /proc/self/fd/0 >&2; shift; exec "$@"; } < "$1"', [file]);
    const stdout = capture(child.stdout);
    const stderr = capture(child.stderr);
    const status = await waitForExit(child, "nl to number a file", 20_000);
    const { stdinWas, nlStderr } = splitStderr(stderr());
    expect(stdinWas, "what sh gave nl as stdin").toBe(file);
    expect({ status, nlStderr }).toEqual({ status: { code: 0, signal: null }, nlStderr: "" });
    expectSameOutput(stdout(), numbered(lines), "nl reading a file");
  });

  it("reads stdin from a FIFO written in pieces, printing each line as it arrives", async () => {
    const fifo = path.join(tempDir("nl-fifo-"), "input.fifo");
    execFileSync("mkfifo", [fifo]);
    try {
      // sh blocks opening the FIFO until we open it for writing.
      const child = shWithNl('{ readlink /proc/self/fd/0 >&2; shift; exec "$@"; } < "$1"', [fifo]);
      const stdout = capture(child.stdout);
      const stderr = capture(child.stderr);
      const writer = createWriteStream(fifo);
      const euro = bytes("€"); // 3 bytes: the first one goes in the first piece
      writer.write(Buffer.concat([bytes("first line\nsecond é"), euro.subarray(0, 1)]));
      await waitForOutput(child, "printing line 1 while the input is still open", () => stdout().includes("     1\tfirst line\n"), stderr);
      writer.end(Buffer.concat([euro.subarray(1), bytes(" end\nthird")]));
      const status = await waitForExit(child, "nl to finish reading the FIFO", 20_000);
      const { stdinWas, nlStderr } = splitStderr(stderr());
      expect(stdinWas, "what sh gave nl as stdin").toBe(fifo);
      expect({ status, nlStderr }).toEqual({ status: { code: 0, signal: null }, nlStderr: "" });
      expectSameOutput(stdout(), numbered(["first line", "second é€ end", "third"]), 'nl reading a FIFO written in pieces ("€" cut after its first byte)');
    } finally {
      unlinkSync(fifo);
    }
  });

  it("reads stdin from a socketpair (Node's 'pipe'), written in pieces", async () => {
    const child = spawnTs(impl("04-stdin-lines/cli.ts"), [], { stdio: ["pipe", "pipe", "pipe"] });
    const stdout = capture(child.stdout);
    const stderr = capture(child.stderr);
    expect(readlinkSync(`/proc/${child.pid}/fd/0`)).toMatch(/^socket:\[\d+\]$/);
    const smile = bytes("😀"); // 4 bytes, split 2 + 2
    child.stdin!.write(Buffer.concat([bytes("one\r\ntwo "), smile.subarray(0, 2)]));
    await waitForOutput(child, "printing line 1 while stdin is still open", () => stdout().includes("     1\tone\n"), stderr);
    child.stdin!.write(Buffer.concat([smile.subarray(2), bytes("\n\n")]));
    await waitForOutput(child, "printing lines 2 and 3", () => stdout().includes("     3\t\n"), stderr);
    child.stdin!.end(bytes("four"));
    const status = await waitForExit(child, "nl to finish after stdin closed", 20_000);
    expect({ status, nlStderr: stderr() }).toEqual({ status: { code: 0, signal: null }, nlStderr: "" });
    expectSameOutput(stdout(), numbered(["one", "two 😀", "", "four"]), 'nl reading a socketpair written in pieces ("😀" cut in the middle)');
  });
});

const MiB = 1024 * 1024;
/** Past this growth a test stops nl: far beyond what a bounded reader needs, far below what hurts the machine. */
const RUNAWAY_BYTES = 512 * MiB;
const probeUrl = pathToFileURL(fileURLToPath(new URL("./fixtures/rss-probe.ts", import.meta.url))).href;

/** Read VmRSS from /proc/<pid>/status, in bytes; undefined once the process is gone. */
function residentBytes(pid: number): number | undefined {
  try {
    const kB = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kB === undefined ? undefined : Number(kB) * 1024;
  } catch {
    return undefined;
  }
}

interface MemoryRun {
  status: ExitStatus;
  /** nl's resident memory when Node started, and its peak, in bytes. */
  startRss: number;
  peakRss: number | undefined;
}

/**
 * Run `script` (see shWithNl) with the memory probe preloaded into nl, wait
 * for sh to exit, and kill everything if nl's memory runs away on the way.
 */
async function runWithMemoryWatch(script: string, what: string, runaway: string): Promise<MemoryRun & { stdout: () => string; stderr: () => string }> {
  const report = path.join(tempDir("nl-memory-"), "rss.jsonl");
  const spawnedAt = performance.now();
  const child = shWithNl(script, [], ["--import", probeUrl], { ...process.env, RSS_PROBE_REPORT: report });
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);
  const entries = (): Array<{ pid?: number; startRss?: number; peakRss?: number }> => {
    try {
      return readFileSync(report, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { pid?: number; startRss?: number; peakRss?: number });
    } catch {
      return []; // not written yet
    }
  };
  const { pid, startRss } = (await waitFor("nl to start and report its pid and memory", () => entries()[0], { timeoutMs: 30_000 })) as {
    pid: number;
    startRss: number;
  };
  // Once started, a right answer is done in moments: allow a few times what
  // starting took on this machine (at least 5 s), not a fixed 30 s.
  const boundMs = Math.max(5_000, 5 * (performance.now() - spawnedAt));

  let watcher: NodeJS.Timeout | undefined;
  const ranAway = new Promise<never>((_, reject) => {
    watcher = setInterval(() => {
      const rss = residentBytes(pid);
      if (rss !== undefined && rss - startRss > RUNAWAY_BYTES) {
        process.kill(pid, "SIGKILL");
        child.kill("SIGKILL");
        reject(new Error(`nl's memory grew by more than ${RUNAWAY_BYTES / MiB} MiB ${runaway}`));
      }
    }, 25);
  });
  try {
    const status = await Promise.race([waitForExit(child, what, Math.round(boundMs)), ranAway]);
    return { status, startRss, peakRss: entries().find((entry) => entry.peakRss !== undefined)?.peakRss, stdout, stderr };
  } finally {
    clearInterval(watcher);
  }
}

describe("nlRobust", () => {
  it("exits 0, without a stack trace, when its reader goes away (yes | nl | head -1)", async () => {
    const run = await runWithMemoryWatch(
      '{ yes "hello, wörld" | "$@"; echo "nl-exit=$?" >&2; } | head -n 1',
      "nl to stop after head exited (the input never ends: nl must notice EPIPE and stop reading)",
      "after head exited: it kept reading the endless input",
    );
    expect(run.stderr(), "everything nl wrote to stderr, then its exit status").toBe("nl-exit=0\n");
    expect(run.stdout()).toBe("     1\thello, wörld\n");
  });

  it("rejects a 1 GB line with a clear error, its memory growing by far less than the line", async () => {
    // Two short lines, then 1 GiB of "x" from /dev/zero: made on the fly,
    // never stored. Once nl gives up, the writers die of SIGPIPE.
    const run = await runWithMemoryWatch(
      "{ printf 'one\\ntwo\\n'; head -c 1073741824 /dev/zero | tr '\\000' x; } | exec \"$@\"",
      "nl to give up on the 1 GB line",
      "while reading one line: it buffers the line without a bound",
    );
    expect(run.status).toEqual({ code: 1, signal: null });
    expect(run.stdout()).toBe(numbered(["one", "two"]));
    expect(run.stderr()).toMatch(/^nl: .*\bline 3\b.*\n$/);
    expect(run.stderr(), "a stack trace on stderr").not.toMatch(/^\s+at /m);
    expect(run.peakRss, "nl's peak memory (reported when it exits)").toBeDefined();
    expect((run.peakRss! - run.startRss) / MiB, "MiB nl's memory grew while reading a 1024 MiB line").toBeLessThan(64);
  });
});

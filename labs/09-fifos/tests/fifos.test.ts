// Lab 09 tests: the FIFO on disk, the collector, the writer, and both together.
// Anything that could block (an open() waiting for the other end, a write()
// to a full FIFO) runs in a child process, so a wrong answer hangs that child
// (and fails its test), never the test runner.
import { spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createFifo, NotAFifoError } from "@impl/09-fifos/fifo";
import { LineSplitter, startCollector } from "@impl/09-fifos/collector";
import { CollectorNotRunningError, openWriter, PIPE_BUF, RecordHasNewlineError, RecordTooLargeError } from "@impl/09-fifos/writer";
import { expectRejects, impl, spawnTs, tempDir, waitFor, waitForExit, type ExitStatus } from "../../../course/testkit";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const COLLECT = path.join(fixtures, "collect.ts");
const WRITE_RECORDS = path.join(fixtures, "write-records.ts");
const FILL = path.join(fixtures, "fill.ts");
const COLLECTOR_MODULE = impl("09-fifos/collector.ts");
const WRITER_MODULE = impl("09-fifos/writer.ts");

// ---------------------------------------------------------------- utilities

/** Every line a child prints, as it arrives. */
function linesOf(child: ChildProcess): string[] {
  const lines: string[] = [];
  let pending = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  });
  return lines;
}

interface CollectorProcess {
  child: ChildProcess;
  lines: string[];
  records: () => string[];
  /** Wait for `probe`; fails at once, saying so, if the collector process ends or reports an error first. */
  until: (what: string, probe: () => boolean, timeoutMs?: number) => Promise<void>;
}

/** Everything a child writes to stderr, for messages. */
function stderrOf(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (text += chunk));
  return () => text.trim().split("\n").slice(-3).join(" | ");
}

/** Start the collector under test in a child with a one-thread libuv threadpool. */
async function startCollectorProcess(fifo: string, mode?: number): Promise<CollectorProcess> {
  const args = [COLLECTOR_MODULE, fifo];
  if (mode !== undefined) args.push(mode.toString(8));
  const child = spawnTs(COLLECT, args, { env: { ...process.env, UV_THREADPOOL_SIZE: "1" } });
  const lines = linesOf(child);
  const stderr = stderrOf(child);
  const records = (): string[] => lines.filter((l) => l.startsWith("rec ")).map((l) => l.slice(4));
  const until = async (what: string, probe: () => boolean, timeoutMs?: number): Promise<void> => {
    await waitFor(
      what,
      () => {
        const error = lines.find((l) => l.startsWith("error "));
        if (error) throw new Error(`the collector failed while the test waited for ${what}: ${error.slice(6)}`);
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `the collector's process ended (${child.signalCode ?? `exit code ${child.exitCode}`}) while the test waited for ${what}. ` +
              `Did the collector stop reading, so nothing kept the process alive? ${stderr()}`,
          );
        }
        // A blocking open() of the FIFO parks the main thread in the kernel: say so at once.
        if (blockedInFifoOpen(child.pid!)) {
          throw new Error(
            `the collector's main thread is blocked in open() of the FIFO, waiting for a writer, while the test waited for ${what}: open it so that it returns at once`,
          );
        }
        return probe();
      },
      { timeoutMs },
    );
  };
  await until('the collector to print "ready" (startCollector() must resolve while no writer has the FIFO open)', () => lines.includes("ready"));
  return { child, lines, records, until };
}

/** Where the process's main thread sleeps in the kernel (/proc/<pid>/wchan), or "" when it runs or is gone. */
function kernelWait(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, "utf8").trim();
  } catch {
    return "";
  }
}

/** True when the process's main thread sleeps in the kernel's FIFO open, waiting for the other end. */
function blockedInFifoOpen(pid: number): boolean {
  return kernelWait(pid) === "wait_for_partner";
}

/**
 * Wait for a writer process to exit. A writer whose main thread blocks in the
 * kernel (open() waiting for a reader, write() waiting for room) would never
 * exit: that is reported at once, as what the writer did wrong.
 */
async function writerExit(child: ChildProcess, what: string, timeoutMs?: number): Promise<ExitStatus> {
  return waitFor(
    what,
    () => {
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
      const wait = kernelWait(child.pid!);
      if (wait === "wait_for_partner") {
        throw new Error(
          `the writer is blocked in open() of the FIFO, waiting for a reader, while the test waited for ${what}: a writer must never wait for a collector that is not running`,
        );
      }
      if (wait.endsWith("pipe_write")) {
        throw new Error(
          `the writer's whole process is blocked in write() on the full FIFO while the test waited for ${what}: wait for room without blocking the event loop, and give up after fullTimeoutMs`,
        );
      }
      return undefined;
    },
    { timeoutMs },
  );
}

/**
 * Open the FIFO for writing, as a writer that must not wait would
 * (O_NONBLOCK). ENXIO means no process has it open for reading: turned into a
 * sentence about the collector, since the test's own open() is not the bug.
 */
function openForWriting(fifo: string): number {
  try {
    return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENXIO") {
      throw new Error(
        `a writer could not open ${path.basename(fifo)}: no process has the FIFO open for reading (ENXIO). ` +
          "The collector closed its read end: did it stop at the previous writer's end-of-file?",
        { cause: err },
      );
    }
    if (code === "ENOENT") throw new Error(`a writer found no FIFO at ${path.basename(fifo)}: the collector removed it, or never made it`, { cause: err });
    throw err;
  }
}

/** Open the FIFO the way a shell writer would, write, close. */
function writeRaw(fifo: string, ...chunks: string[]): void {
  const fd = openForWriting(fifo);
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Everything readable now from a non-blocking read end. */
function drain(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65_536);
  for (;;) {
    try {
      const n = readSync(fd, buffer);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") break;
      throw err;
    }
  }
  return Buffer.concat(chunks);
}

/** The test itself as the reader: a non-blocking read end (never waits). */
function fifoWithReader(dir: string): { fifo: string; readFd: number } {
  const fifo = path.join(dir, "log.fifo");
  const made = spawnSyncMkfifo(fifo);
  if (!made) throw new Error("mkfifo failed");
  return { fifo, readFd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK) };
}

/** A FIFO made without the code under test (a short spawnSync, outside any timing-sensitive part). */
function spawnSyncMkfifo(fifo: string): boolean {
  return spawnSync("mkfifo", ["-m", "600", fifo]).status === 0;
}

/** Wait until the collector's timer ticked `n` more times: it has had time to read. */
async function ticksPass(collector: CollectorProcess, n: number, what: string): Promise<void> {
  const ticks = (): number => collector.lines.filter((l) => l === "tick").length;
  const start = ticks();
  await collector.until(what, () => ticks() >= start + n);
}

// ---------------------------------------------------------------- tasks

describe("createFifo", () => {
  it("makes a FIFO (file type p) with exactly the requested permissions, whatever the umask", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    await createFifo(fifo, 0o622);
    const stats = lstatSync(fifo);
    expect(stats.isFIFO(), "createFifo() must make a FIFO (file type p)").toBe(true);
    expect((stats.mode & 0o777).toString(8), "the FIFO's permissions, exactly as asked whatever the umask").toBe("622");
  });

  it("reuses a FIFO that is already there", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    await createFifo(fifo, 0o600);
    await createFifo(fifo, 0o640);
    const stats = lstatSync(fifo);
    expect(stats.isFIFO(), "the FIFO already there must be reused").toBe(true);
    expect((stats.mode & 0o777).toString(8), "a reused FIFO gets the permissions asked for").toBe("640");
  });

  it("refuses a regular file or a directory with NotAFifoError and leaves it alone", async () => {
    const dir = tempDir("fifo-");
    const file = path.join(dir, "notes.txt");
    writeFileSync(file, "keep me\n");
    await expectRejects(() => createFifo(file, 0o600), NotAFifoError, "createFifo() on a regular file");
    expect(readFileSync(file, "utf8")).toBe("keep me\n");
    const sub = path.join(dir, "sub");
    mkdirSync(sub);
    await expectRejects(() => createFifo(sub, 0o600), NotAFifoError, "createFifo() on a directory");
    expect(lstatSync(sub).isDirectory(), "the directory must be left alone").toBe(true);
  });
});

describe("collector", () => {
  it("starts with no writer and keeps the event loop and threadpool free while it waits", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    const collector = await startCollectorProcess(fifo, 0o620);
    const { lines } = collector;
    const readyAt = lines.indexOf("ready");
    // Each tick needs the (one-thread) threadpool: a read() parked there stops them.
    await collector.until(
      '3 timer ticks after "ready" while the FIFO is empty (a blocked read() or open() stops them)',
      () => lines.slice(readyAt).filter((l) => l === "tick").length >= 3,
    );
    expect(lstatSync(fifo).isFIFO(), "the collector must create the FIFO").toBe(true);
    expect((lstatSync(fifo).mode & 0o777).toString(8), "the FIFO's permissions, as given to startCollector").toBe("620");
  });

  it("keeps collecting when writers come and go (no end at the first writer's EOF)", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    const collector = await startCollectorProcess(fifo);
    const { records } = collector;
    writeRaw(fifo, "first writer\n");
    await collector.until("the first writer's record", () => records().includes('"first writer"'));
    // The first writer has closed: a collector without its own write end saw EOF.
    await ticksPass(collector, 3, "the collector to keep running after the first writer left");
    writeRaw(fifo, "second writer\n");
    writeRaw(fifo, "third writer\n");
    await collector.until("the records of the second and third writers", () => records().includes('"second writer"') && records().includes('"third writer"'));
    expect(records()).toEqual(['"first writer"', '"second writer"', '"third writer"']);
  });

  it("reassembles records that arrive in pieces, and several in one read", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    const collector = await startCollectorProcess(fifo);
    const { records } = collector;
    const fd = openForWriting(fifo);
    try {
      writeSync(fd, "hel");
      await ticksPass(collector, 3, "the collector to run on after reading half a record");
      expect(records(), "half a record (no newline yet) must not be reported").toEqual([]);
      writeSync(fd, "lo\nwor");
      await collector.until('the record "hello"', () => records().includes('"hello"'));
      writeSync(fd, "ld\ncaf\u00e9 \u00e0 la carte\n\nlast\n");
      await collector.until('the record "last"', () => records().includes('"last"'));
    } finally {
      closeSync(fd);
    }
    expect(records()).toEqual(['"hello"', '"world"', '"café à la carte"', '""', '"last"']);
  });

  it("decodes a character whose bytes arrive in two different reads", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    const collector = await startCollectorProcess(fifo);
    const { records } = collector;
    const fd = openForWriting(fifo);
    const cafe = Buffer.from("caf\u00e9\n"); // "é" is the two bytes c3 a9
    try {
      writeSync(fd, cafe.subarray(0, 4)); // "caf" and the first byte of "é"
      await ticksPass(collector, 3, "the collector to read the first half of the character");
      writeSync(fd, cafe.subarray(4)); // the second byte, then the newline
      await collector.until('the record "café"', () => records().length > 0);
    } finally {
      closeSync(fd);
    }
    expect(
      records(),
      'the collector read "caf" + byte c3 in one read() and byte a9 + "\\n" in the next: decode a line only once all its bytes are there, not each read on its own',
    ).toEqual(['"café"']);
  });

  it("LineSplitter gives the same lines wherever the reads cut the bytes", () => {
    const text = "hello\ncaf\u00e9 \u00e0 la carte\n\n\u20acuro \u{1f600}\nno newline yet";
    const bytes = Buffer.from(text);
    const expected = ["hello", "café à la carte", "", "€uro 😀"];
    for (let cut = 0; cut <= bytes.length; cut++) {
      const splitter = new LineSplitter();
      const got = [...splitter.push(Buffer.from(bytes.subarray(0, cut))), ...splitter.push(Buffer.from(bytes.subarray(cut)))];
      expect(got, `reads of ${cut} and ${bytes.length - cut} bytes (a cut inside a character must not garble it)`).toEqual(expected);
    }
    const oneByOne = new LineSplitter();
    const got: string[] = [];
    for (const byte of bytes) got.push(...oneByOne.push(Buffer.from([byte])));
    expect(got, "reads of one byte each").toEqual(expected);
  });

  it("close() stops the collector and removes the FIFO", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    const { child, lines } = await startCollectorProcess(fifo);
    child.kill("SIGTERM");
    const status = await waitForExit(child, "the collector to close and exit after SIGTERM");
    expect(lines.filter((l) => l.startsWith("error "))).toEqual([]);
    expect(lines).toContain("closed");
    expect(status.code).toBe(0);
    expect(existsSync(fifo), "the FIFO is still there after close(): close() must remove it").toBe(false);
  });

  it("refuses a path that is not a FIFO with NotAFifoError and does not touch it", async () => {
    const file = path.join(tempDir("fifo-"), "app.log");
    writeFileSync(file, "precious\n");
    await expectRejects(() => startCollector({ path: file, onRecord: () => undefined }), NotAFifoError, "startCollector() on a regular file");
    expect(readFileSync(file, "utf8")).toBe("precious\n");
  });
});

describe("writer", () => {
  it("fails fast with CollectorNotRunningError when nobody reads (no hang)", async () => {
    const dir = tempDir("fifo-");
    const fifo = path.join(dir, "log.fifo");
    expect(spawnSyncMkfifo(fifo), "the test could not make its FIFO with mkfifo").toBe(true);
    const child = spawnTs(WRITE_RECORDS, [WRITER_MODULE, fifo, "1", "1"]);
    const lines = linesOf(child);
    const status = await writerExit(child, "the writer to give up on a FIFO nobody reads");
    expect(lines[0]).toMatch(/^error CollectorNotRunningError .*collector not running/);
    expect(status.code).toBe(3);
  });

  it('treats a missing FIFO as "collector not running" and creates no file', async () => {
    const fifo = path.join(tempDir("fifo-"), "missing.fifo");
    await expectRejects(async () => openWriter(fifo), CollectorNotRunningError, "openWriter() on a path where no FIFO exists");
    expect(existsSync(fifo), "openWriter() created a file where no FIFO was: open without creating").toBe(false);
  });

  it("writes each record with its newline, whole", async () => {
    const { fifo, readFd } = fifoWithReader(tempDir("fifo-"));
    const writer = openWriter(fifo);
    try {
      await writer.write("one");
      await writer.write("x".repeat(PIPE_BUF - 1));
      expect(drain(readFd).toString()).toBe(`one\n${"x".repeat(PIPE_BUF - 1)}\n`);
    } finally {
      writer.close();
      closeSync(readFd);
    }
  });

  it("refuses records that would not be written atomically, counting bytes, and writes nothing", async () => {
    const { fifo, readFd } = fifoWithReader(tempDir("fifo-"));
    const writer = openWriter(fifo);
    try {
      expect(PIPE_BUF).toBe(4096);
      await expectRejects(
        () => writer.write("x".repeat(PIPE_BUF)),
        RecordTooLargeError,
        "writer.write() of a record of PIPE_BUF bytes (PIPE_BUF + 1 with its newline)",
      );
      // 2048 characters, 4096 bytes in UTF-8, 4097 with the newline.
      await expectRejects(
        () => writer.write("\u00e9".repeat(2048)),
        RecordTooLargeError,
        'writer.write() of 2048 × "é" (2048 characters, 4096 bytes, 4097 with its newline)',
      );
      await expectRejects(() => writer.write("two\nrecords"), RecordHasNewlineError, "writer.write() of a record with a newline inside");
      expect(drain(readFd).length).toBe(0);
    } finally {
      writer.close();
      closeSync(readFd);
    }
  });

  it("waits while the FIFO is full, writes once there is room, and never half a record", async () => {
    const { fifo, readFd } = fifoWithReader(tempDir("fifo-"));
    try {
      const child = spawnTs(FILL, [WRITER_MODULE, fifo, "60000"]);
      const lines = linesOf(child);
      await waitFor("the writer to write 16 records of 4000 bytes", () => lines.length > 0);
      expect(lines[0]).toBe("filled");
      // The 17th does not fit: it must wait (not fail with EAGAIN, not write a piece).
      // One read of exactly the 16 records: the 17th may arrive right after it.
      const first = Buffer.alloc(16 * 4000);
      expect(readSync(readFd, first)).toBe(16 * 4000);
      expect(first.toString()).toBe(`${"r".repeat(3999)}\n`.repeat(16));
      await waitFor("the 17th record to be written once the reader made room", () => lines.length > 1);
      expect(lines[1]).toBe("wrote");
      await writerExit(child, "the writer to exit");
      expect(drain(readFd).toString()).toBe(`${"r".repeat(3999)}\n`);
    } finally {
      closeSync(readFd);
    }
  });

  it("gives up with FifoFullError after fullTimeoutMs when nobody reads", async () => {
    const { fifo, readFd } = fifoWithReader(tempDir("fifo-"));
    try {
      const child = spawnTs(FILL, [WRITER_MODULE, fifo, "300"]);
      const lines = linesOf(child);
      const status = await writerExit(child, "the writer to give up on a FIFO that stays full");
      expect(lines[0]).toBe("filled");
      expect(lines[1]).toMatch(/^error FifoFullError /);
      expect(status.code).toBe(3);
      expect(drain(readFd).length).toBe(16 * 4000);
    } finally {
      closeSync(readFd);
    }
  });

  it("reports CollectorNotRunningError (EPIPE) when the reader goes away", async () => {
    const { fifo, readFd } = fifoWithReader(tempDir("fifo-"));
    const writer = openWriter(fifo);
    try {
      await writer.write("before");
      closeSync(readFd);
      await expectRejects(() => writer.write("after"), CollectorNotRunningError, "writer.write() after the reader closed the FIFO (write() fails with EPIPE)");
    } finally {
      writer.close();
    }
  });
});

describe("together", () => {
  it("8 writer processes x 2000 records: every record arrives whole and exactly once", async () => {
    const fifo = path.join(tempDir("fifo-"), "log.fifo");
    const collector = await startCollectorProcess(fifo);
    const { child, records } = collector;
    const WRITERS = 8;
    const COUNT = 2000;
    const writers = Array.from({ length: WRITERS }, (_, id) => spawnTs(WRITE_RECORDS, [WRITER_MODULE, fifo, String(id), String(COUNT)]));
    const outputs = writers.map(linesOf);
    for (const [id, writer] of writers.entries()) {
      const status = await writerExit(writer, `writer ${id} to finish its ${COUNT} records`, 90_000);
      expect(outputs[id]).toEqual(["done"]);
      expect(status.code).toBe(0);
    }
    await collector.until(`all ${WRITERS * COUNT} records at the collector`, () => records().length >= WRITERS * COUNT, 60_000);
    const got = records();
    const bad = got.filter((r) => !r.endsWith(" ok"));
    expect(bad.slice(0, 5), `${bad.length} records arrived torn or mixed`).toEqual([]);
    const seen = new Set(got);
    expect(seen.size, "records that arrived twice").toBe(got.length);
    expect(got.length).toBe(WRITERS * COUNT);
    child.kill("SIGTERM");
    await waitForExit(child, "the collector to exit");
    expect(existsSync(fifo), "the FIFO is still there after the collector closed: close() must remove it").toBe(false);
  }, 180_000);
});

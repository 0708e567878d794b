// Lab 10 tests, part 2: the process queue. Frames must survive any split of
// the byte stream, and a child that exits right after close() must not lose
// a single message.
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDecoder, ProcessQueueReader, ProcessQueueWriter } from "@impl/10-queues/process-queue";
import { expectRejects, impl, spawnTs, waitForExit, withTimeout } from "../../../course/testkit";

const putAndExit = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "put-and-exit.ts");
const queueModule = impl("10-queues/process-queue.ts");

describe("processQueue", () => {
  it("frames a message as a 4-byte big-endian length, then the serialized value", () => {
    const frame = encodeFrame({ hello: "world", n: [1, 2, 3] });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    expect(new FrameDecoder().push(frame)).toEqual([{ hello: "world", n: [1, 2, 3] }]);
  });

  it("decodes frames however the stream cuts them: one byte at a time, or many per chunk", () => {
    const values: unknown[] = ["a", 42, { deep: { list: [true, null] } }, "é😀".repeat(100), new Map([[1, "one"]])];
    const stream = Buffer.concat(values.map((value) => encodeFrame(value)));
    const byteWise = new FrameDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...byteWise.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(values);
    expect(byteWise.leftover).toBe(0);
    expect(new FrameDecoder().push(stream)).toEqual(values);
  });

  it("carries messages through a stream in order; get() returns null at the end", async () => {
    const pipe = new PassThrough();
    const writer = new ProcessQueueWriter(pipe);
    const reader = new ProcessQueueReader(pipe);
    for (let i = 0; i < 1000; i++) writer.put({ i });
    await withTimeout("close() to flush", writer.close());
    const got: unknown[] = [];
    for (;;) {
      const message = await withTimeout("the next message", reader.get());
      if (message === null) break;
      got.push(message);
    }
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => ({ i })));
  });

  it("reports a stream that ends in the middle of a frame instead of hanging or dropping it silently", async () => {
    const pipe = new PassThrough();
    const reader = new ProcessQueueReader(pipe);
    const frame = encodeFrame("cut short");
    pipe.end(frame.subarray(0, frame.length - 2));
    const error = await expectRejects(() => withTimeout("get() to settle", reader.get()), Error, "get() on a stream that ends in the middle of a frame");
    expect(String(error)).toMatch(/frame/);
  });

  it("a child that exits right after close() delivers every message (8 MB, more than a socket buffer)", async () => {
    const count = 2000;
    const child = spawnTs(putAndExit, [queueModule, String(count), "4000"], { stdio: ["ignore", "ignore", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
    const socket = child.stdio[3] as Socket;
    const reader = new ProcessQueueReader(socket);
    const seqs: number[] = [];
    const drained = (async () => {
      for (;;) {
        const message = (await reader.get()) as { seq: number; padding: string } | null;
        if (message === null) return;
        expect(message.padding.length).toBe(4000);
        seqs.push(message.seq);
      }
    })();
    await withTimeout("the child's messages to arrive and the stream to end", drained, 30_000);
    const status = await waitForExit(child);
    expect(status.code, `the child failed: ${Buffer.concat(stderr).toString()}`).toBe(0);
    expect(seqs.length, "messages that arrived before the child exited").toBe(count);
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i));
  }, 40_000);
});

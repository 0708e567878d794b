// Chapter 07: two comparisons over real sockets, both ends in this process.
//
// 1. Framed messages vs raw bytes over the same Unix socket: the cost of
//    message boundaries. The sender writes 16 KiB payloads as frames
//    (encodeFrame) and the receiver reassembles them (FrameDecoder); the peer
//    sends the same payloads as plain 16 KiB writes and only counts bytes.
//    Both senders build a new buffer per message (encodeFrame copies the
//    payload behind its header; the raw sender copies the payload), as a
//    program producing messages does; what differs is the framing.
//    ratio = raw time / framed time (goal: framing keeps at least 0.8).
// 2. Unix socket vs TCP over 127.0.0.1, raw bytes: the notes claim UDS is
//    twice as fast. ratio = TCP time / UDS time, so above 1 means UDS wins;
//    the goal 1.0 says "at least as fast".
// Writes respect backpressure (wait for "drain"), as a real program must.
// After a warm-up the two sides alternate for three rounds; medians compared.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { encodeFrame, FrameDecoder } from "../../solutions/07-unix-sockets/frames";
import type { Benchmark, BenchResult } from "./types";

const MiB = 1024 * 1024;
const ROUNDS = 3;
const RAW_CHUNK = 64 * 1024;
const MESSAGE_BYTES = 16 * 1024;

type Address = { path: string } | { host: string; port: number };

/** A server whose connections are consumed by `consume`; resolves with its address. */
function startServer(where: "unix" | "tcp", dir: string, consume: (socket: net.Socket) => void): Promise<{ server: net.Server; address: Address }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(consume);
    server.once("error", reject);
    if (where === "unix") {
      const socketPath = path.join(dir, "b");
      server.listen(socketPath, () => resolve({ server, address: { path: socketPath } }));
    } else {
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        resolve({ server, address: { host: "127.0.0.1", port } });
      });
    }
  });
}

/** Connect, write every buffer (waiting for "drain" when asked to), end. */
async function send(address: Address, buffers: () => Iterable<Buffer>): Promise<void> {
  const socket = net.connect(address as net.NetConnectOpts);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  for (const buffer of buffers()) {
    if (!socket.write(buffer)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

/**
 * How the sender produces each write:
 *   "framed" - encodeFrame(payload), decoded by a FrameDecoder on arrival;
 *   "copied" - a fresh copy of the payload, counted on arrival;
 *   "shared" - the same buffer every time, counted on arrival (the cheapest sender).
 */
type Sending = "framed" | "copied" | "shared";

/** Time one transfer: a fresh server, one client, until the receiver has seen everything. */
async function transfer(where: "unix" | "tcp", sending: Sending, totalBytes: number, writeBytes: number): Promise<number> {
  const framed = sending === "framed";
  const dir = mkdtempSync(path.join(os.tmpdir(), "b7-"));
  let received!: () => void;
  let failed!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    received = resolve;
    failed = reject;
  });
  const { server, address } = await startServer(where, dir, (socket) => {
    let count = 0;
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      if (framed) {
        for (const message of decoder.push(chunk)) count += message.length;
      } else {
        count += chunk.length;
      }
    });
    socket.on("end", () => {
      if (count === totalBytes) received();
      else failed(new Error(`received ${count} of ${totalBytes} bytes`));
    });
  });
  const payload = Buffer.alloc(writeBytes, 0x61);
  const buffers = function* (): Generator<Buffer> {
    for (let sent = 0; sent < totalBytes; sent += payload.length)
      yield sending === "framed" ? encodeFrame(payload) : sending === "copied" ? Buffer.from(payload) : payload;
  };
  try {
    const start = performance.now();
    await Promise.all([send(address, buffers), done]);
    return performance.now() - start;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const list = (values: number[]): string => values.map((ms) => ms.toFixed(0)).join(", ");
const rate = (bytes: number, ms: number): string => ((bytes / MiB / ms) * 1000).toFixed(0);

/** Warm up both, then alternate who goes first for ROUNDS rounds. */
async function sideBySide(ours: () => Promise<number>, peer: () => Promise<number>): Promise<{ ours: number[]; peer: number[] }> {
  await ours();
  await peer();
  const times = { ours: [] as number[], peer: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      times.ours.push(await ours());
      times.peer.push(await peer());
    } else {
      times.peer.push(await peer());
      times.ours.push(await ours());
    }
  }
  return times;
}

async function framedVsRaw(): Promise<BenchResult> {
  const total = 256 * MiB;
  const t = await sideBySide(
    () => transfer("unix", "framed", total, MESSAGE_BYTES),
    () => transfer("unix", "copied", total, MESSAGE_BYTES),
  );
  const framedMs = median(t.ours);
  const rawMs = median(t.peer);
  return {
    name: `framed ${MESSAGE_BYTES / 1024} KiB messages vs raw bytes, same Unix socket, ${total / MiB} MiB`,
    ratio: rawMs / framedMs,
    goal: 0.8,
    details: [
      `framed (encodeFrame + FrameDecoder): median ${framedMs.toFixed(0)} ms (${rate(total, framedMs)} MiB/s); rounds: ${list(t.ours)} ms`,
      `raw ${MESSAGE_BYTES / 1024} KiB writes (a copy each), bytes counted: median ${rawMs.toFixed(0)} ms (${rate(total, rawMs)} MiB/s); rounds: ${list(t.peer)} ms`,
    ],
  };
}

async function unixVsTcp(): Promise<BenchResult> {
  const total = 512 * MiB;
  const t = await sideBySide(
    () => transfer("unix", "shared", total, RAW_CHUNK),
    () => transfer("tcp", "shared", total, RAW_CHUNK),
  );
  const unixMs = median(t.ours);
  const tcpMs = median(t.peer);
  return {
    name: `Unix socket vs TCP 127.0.0.1 throughput, ${total / MiB} MiB in ${RAW_CHUNK / 1024} KiB writes (the notes claim 2x)`,
    ratio: tcpMs / unixMs,
    goal: 1.0,
    details: [
      `Unix socket: median ${unixMs.toFixed(0)} ms (${rate(total, unixMs)} MiB/s); rounds: ${list(t.ours)} ms`,
      `TCP loopback: median ${tcpMs.toFixed(0)} ms (${rate(total, tcpMs)} MiB/s); rounds: ${list(t.peer)} ms`,
      "both ends in one Node process: the runtime's per-chunk work is shared by both and narrows the gap",
    ],
  };
}

export const benchmarks: Benchmark[] = [
  { id: "07-unix-sockets", run: framedVsRaw },
  { id: "07-unix-sockets", run: unixVsTcp },
];

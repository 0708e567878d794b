// Lab 07 tests: listenUnix(), the frame codec, serveFrames() and request().
// Every socket is real: files in a temporary directory, real connect()s.
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { request, RequestTimeoutError } from "@impl/07-unix-sockets/client";
import { encodeFrame, FrameDecoder, FrameTooLargeError } from "@impl/07-unix-sockets/frames";
import { AddressInUseError, listenUnix, MAX_SOCKET_PATH_BYTES, NotASocketError, SocketPathTooLongError } from "@impl/07-unix-sockets/listen";
import { serveFrames } from "@impl/07-unix-sockets/server";
import { expectRejects, expectThrows, readLine, rejectionOf, spawnTracked, tempDir, waitFor, waitForExit, withTimeout } from "../../../course/testkit";

// ---------------------------------------------------------------- test utilities

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A short directory under the temp dir: socket paths must stay under 108 bytes. */
const socketDir = (): string => tempDir("u7-");

/** Keep the server for cleanup. */
function track<T extends net.Server>(server: T): T {
  servers.push(server);
  server.on("connection", (socket: net.Socket) => sockets.push(socket));
  return server;
}

/** Connect to a Unix socket; resolves once connected, rejects with the errno error. */
function connectTo(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    sockets.push(socket);
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** A plain Node server on `socketPath`, as another program would run it. */
function plainServer(socketPath: string, onConnection: (socket: net.Socket) => void = () => undefined): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = track(net.createServer(onConnection));
    server.once("error", reject);
    server.listen(socketPath, () => resolve(server));
  });
}

/** A socket file whose server was SIGKILLed: the file stays, connect() gets ECONNREFUSED. */
async function staleSocket(socketPath: string): Promise<void> {
  const script = `require("net").createServer().listen(process.argv[1], () => console.log("listening"));`;
  const child = spawnTracked(process.execPath, ["-e", script, socketPath]);
  await readLine(child.stdout!, "the child server to listen");
  child.kill("SIGKILL");
  await waitForExit(child, "the killed server to exit");
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

/** Frame bytes built by hand, independent of the code under test. */
function frame(payload: string | Buffer): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** Collect `count` frames from a socket with an independent parser. */
function readFrames(socket: net.Socket, count: number, what: string): Promise<string[]> {
  let data = Buffer.alloc(0);
  const out: string[] = [];
  return withTimeout(
    what,
    new Promise<string[]>((resolve, reject) => {
      socket.on("data", (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        while (data.length >= 4 && data.length >= 4 + data.readUInt32BE(0)) {
          const length = data.readUInt32BE(0);
          out.push(data.subarray(4, 4 + length).toString());
          data = data.subarray(4 + length);
        }
        if (out.length >= count) resolve(out);
      });
      socket.once("close", () => reject(new Error(`the connection closed after ${out.length} of ${count} replies`)));
    }),
  );
}

const closed = (socket: net.Socket): Promise<void> => (socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once("close", () => resolve())));

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------- listenUnix

describe("listenUnix", () => {
  it("creates a socket file with the requested mode and accepts connections", async () => {
    const dir = socketDir();
    for (const mode of [0o600, 0o660]) {
      const socketPath = path.join(dir, `s${mode.toString(8)}`);
      let accepted = 0;
      track(
        await listenUnix(
          socketPath,
          (socket) => {
            accepted += 1;
            socket.end();
          },
          { mode },
        ),
      );
      const stats = lstatSync(socketPath);
      expect(stats.isSocket(), "the path should be a socket file").toBe(true);
      expect((stats.mode & 0o777).toString(8), "the socket file's permission bits").toBe(mode.toString(8));
      await connectTo(socketPath);
      await waitFor("the server to accept the connection", () => accepted === 1 || undefined);
    }
  });

  it("gives the file its mode at birth: no window after listen() where others could connect", async () => {
    const dir = socketDir();
    chmodSync(dir, 0o755); // a shared directory: only the socket's own mode protects it
    const socketPath = path.join(dir, "s");
    // Record the socket file's mode at the instant listen() returns: bind() and
    // listen() are done then, and the kernel already queues connections.
    const seen: { address: string; mode: number; dirMode: number }[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with apply(this), on the server
    const original = net.Server.prototype.listen;
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      const result = (original as (...a: unknown[]) => net.Server).apply(this, args);
      const address = typeof args[0] === "string" ? args[0] : (args[0] as { path?: string } | undefined)?.path;
      if (address !== undefined) {
        try {
          const snapshot = { address, mode: lstatSync(address).mode & 0o777, dirMode: lstatSync(path.dirname(address)).mode & 0o777 };
          this.prependOnceListener("listening", () => seen.push(snapshot));
        } catch {
          // No file: listen() failed, and its error is reported elsewhere.
        }
      }
      return result;
    } as typeof original;
    const previousUmask = process.umask(0o022);
    let umaskAfterListen: number | undefined;
    try {
      track(await listenUnix(socketPath, (socket) => socket.end(), { mode: 0o600 }));
      // What listenUnix left behind, read before the test puts back the caller's own umask (which
      // may be 077 or anything else: on a shared server, for one).
      umaskAfterListen = process.umask(0o022);
    } finally {
      net.Server.prototype.listen = original;
      process.umask(previousUmask);
    }
    expect(seen.length, "listenUnix should listen exactly once").toBe(1);
    const [first] = seen;
    const privateDir = first!.address !== socketPath && (first!.dirMode & 0o077) === 0;
    expect(
      privateDir || first!.mode === 0o600,
      `right after listen() the socket file was mode ${first!.mode.toString(8)} in a directory of mode ${first!.dirMode.toString(8)}: ` +
        "anyone could connect until the chmod. Set the umask around listen(), or listen in a private 0700 directory and rename",
    ).toBe(true);
    expect((lstatSync(socketPath).mode & 0o777).toString(8)).toBe("600");
    expect(umaskAfterListen, "the process umask must be restored").toBe(0o022);
  });

  it("recovers a stale socket file left by a killed server", async () => {
    const socketPath = path.join(socketDir(), "s");
    await staleSocket(socketPath);
    expect(lstatSync(socketPath).isSocket(), "SIGKILL leaves the socket file behind").toBe(true);
    expect(errnoOf(await rejectionOf(() => connectTo(socketPath)))).toBe("ECONNREFUSED");
    let accepted = 0;
    track(
      await listenUnix(socketPath, (socket) => {
        accepted += 1;
        socket.end();
      }),
    );
    await connectTo(socketPath);
    await waitFor("the new server to accept a connection", () => accepted === 1 || undefined);
  });

  it("refuses to clobber a live server: AddressInUseError, and the live server keeps its address", async () => {
    const socketPath = path.join(socketDir(), "s");
    let liveAccepted = 0;
    await plainServer(socketPath, (socket) => {
      liveAccepted += 1;
      socket.end();
    });
    const inode = lstatSync(socketPath).ino;
    const err = await expectRejects(
      async () => track(await listenUnix(socketPath, (socket) => socket.end())),
      AddressInUseError,
      "listenUnix() on the path of a live server",
    );
    expect(err.path).toBe(socketPath);
    expect(lstatSync(socketPath).ino, "the live server's socket file must not be replaced (was it unlinked?)").toBe(inode);
    liveAccepted = 0;
    await connectTo(socketPath);
    await waitFor("the original server to accept a connection", () => liveAccepted >= 1 || undefined);
  });

  it("refuses to delete a file that is not a socket", async () => {
    const filePath = path.join(socketDir(), "s");
    writeFileSync(filePath, "precious data\n");
    const err = await expectRejects(
      async () => track(await listenUnix(filePath, (socket) => socket.end())),
      NotASocketError,
      "listenUnix() on the path of a regular file",
    );
    expect(err.path).toBe(filePath);
    expect(readFileSync(filePath, "utf8"), "the regular file must be left alone").toBe("precious data\n");
  });

  it("rejects a path over 107 bytes with a clear error, and accepts one of exactly 107", async () => {
    const dir = socketDir();
    const fill = (bytes: number): string => path.join(dir, "x".repeat(bytes - Buffer.byteLength(dir) - 1));
    expect(MAX_SOCKET_PATH_BYTES).toBe(107);
    const tooLong = fill(108);
    expect(Buffer.byteLength(tooLong)).toBe(108);
    const err = await expectRejects(
      async () => track(await listenUnix(tooLong, (socket) => socket.end())),
      SocketPathTooLongError,
      "listenUnix() on a path of 108 bytes",
    );
    expect(err.bytes).toBe(108);
    expect((err as Error).message).toMatch(/107/);
    expect(existsSync(tooLong.slice(0, 107)), "no truncated socket file may be created").toBe(false);

    const longest = fill(107);
    track(await listenUnix(longest, (socket) => socket.end()));
    expect(lstatSync(longest).isSocket(), "a path of exactly 107 bytes fits: listenUnix must accept it").toBe(true);
    await connectTo(longest);
  });

  it("close() removes the socket file", async () => {
    const socketPath = path.join(socketDir(), "s");
    const server = await listenUnix(socketPath, (socket) => socket.end(), { mode: 0o600 });
    expect(existsSync(socketPath), "listening creates the socket file").toBe(true);
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    expect(existsSync(socketPath), "the socket file must be gone after close()").toBe(false);
    // Nothing left behind in the directory either (a private temp directory, say).
    expect(readdirSync(path.dirname(socketPath))).toEqual([]);
  });
});

// ---------------------------------------------------------------- frames

describe("frames", () => {
  it("encodes a 4-byte big-endian length, then the payload", () => {
    expect([...encodeFrame(Buffer.from("hi"))]).toEqual([0, 0, 0, 2, 0x68, 0x69]);
    expect([...encodeFrame(Buffer.alloc(0))]).toEqual([0, 0, 0, 0]);
    expect(encodeFrame(Buffer.alloc(300)).readUInt32BE(0)).toBe(300);
  });

  it("decodes frames split at every byte boundary", () => {
    const messages = ["", "a", "hello", "x".repeat(300), "é→😀"];
    const stream = Buffer.concat(messages.map((m) => frame(m)));
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))].map((b) => b.toString());
      expect(got, `cut at byte ${cut}`).toEqual(messages);
    }
  });

  it("decodes a frame fed one byte at a time, header included", () => {
    const decoder = new FrameDecoder();
    const payload = Buffer.alloc(5000, "z");
    const bytes = frame(payload);
    const got: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const frames = decoder.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) expect(frames, `no frame is complete after ${i + 1} bytes`).toEqual([]);
      got.push(...frames);
    }
    expect(got.length).toBe(1);
    expect(got[0]!.equals(payload), "the decoded payload differs from the one encoded").toBe(true);
  });

  it("keeps a header split across chunks until the rest arrives", () => {
    const decoder = new FrameDecoder();
    const bytes = frame("split header");
    expect(decoder.push(bytes.subarray(0, 1))).toEqual([]);
    expect(decoder.push(bytes.subarray(1, 3))).toEqual([]);
    expect(decoder.push(bytes.subarray(3, 6))).toEqual([]);
    expect(decoder.push(bytes.subarray(6)).map((b) => b.toString())).toEqual(["split header"]);
  });

  it("returns every frame of a chunk holding many (coalesced writes)", () => {
    const decoder = new FrameDecoder();
    const messages = Array.from({ length: 50 }, (_, i) => `message ${i}`);
    const chunk = Buffer.concat([...messages.map((m) => frame(m)), frame("partial").subarray(0, 7)]);
    expect(decoder.push(chunk).map((b) => b.toString())).toEqual(messages);
    expect(decoder.push(frame("partial").subarray(7)).map((b) => b.toString())).toEqual(["partial"]);
  });

  it("rejects an oversized frame from its header alone, and refuses to encode one", () => {
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(frame(Buffer.alloc(1024))).length, "a frame of exactly the maximum is fine").toBe(1);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1025);
    const err = expectThrows(
      () => decoder.push(header),
      FrameTooLargeError,
      "decoder.push() of a header announcing 1025 bytes (maxFrame 1024: it must throw at once, before any body arrives)",
    );
    expect(err.length).toBe(1025);
    expect(err.maxFrame).toBe(1024);
    expectThrows(
      () => new FrameDecoder(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xff])),
      FrameTooLargeError,
      "new FrameDecoder(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xff]))",
    );
    expectThrows(() => encodeFrame(Buffer.alloc(2000), 1024), FrameTooLargeError, "encodeFrame(Buffer.alloc(2000), 1024)");
  });
});

// ---------------------------------------------------------------- serveFrames

const shout = (request: Buffer): Buffer => Buffer.from(`echo:${request.toString().toUpperCase()}`);

describe("serveFrames", () => {
  it("answers each frame, whether frames arrive coalesced or a byte at a time", async () => {
    const socketPath = path.join(socketDir(), "s");
    track(await serveFrames(socketPath, shout));

    const coalesced = await connectTo(socketPath);
    const replies = readFrames(coalesced, 3, "three replies to three frames sent in one write");
    coalesced.write(Buffer.concat([frame("one"), frame("two"), frame("")]));
    expect(await replies).toEqual(["echo:ONE", "echo:TWO", "echo:"]);

    const trickle = await connectTo(socketPath);
    const reply = readFrames(trickle, 1, "the reply to a frame sent one byte per write");
    const bytes = frame("slow");
    for (const byte of bytes) {
      trickle.write(Buffer.from([byte]));
      await nextTurn();
    }
    expect(await reply).toEqual(["echo:SLOW"]);
    expect(lstatSync(socketPath).mode & 0o777, "serveFrames listens through listenUnix (mode 0600 by default)").toBe(0o600);
  });

  it("answers pipelined requests in the order they came, even when an earlier one takes longer", async () => {
    const socketPath = path.join(socketDir(), "s");
    // "slow" finishes only after the event loop has turned a few times; "fast"
    // at once. The client cannot tell replies apart but by their order.
    const handler = async (request: Buffer): Promise<Buffer> => {
      if (request.toString() === "slow") for (let turn = 0; turn < 20; turn++) await nextTurn();
      return shout(request);
    };
    track(await serveFrames(socketPath, handler));
    const client = await connectTo(socketPath);
    const replies = readFrames(client, 3, "three replies to three pipelined requests");
    client.write(Buffer.concat([frame("slow"), frame("fast"), frame("last")]));
    expect(await replies, "replies must go out in request order: a client matches each reply to its request by position").toEqual([
      "echo:SLOW",
      "echo:FAST",
      "echo:LAST",
    ]);
  });

  it("drops a client that sends an oversized frame and keeps serving the others", async () => {
    const socketPath = path.join(socketDir(), "s");
    track(await serveFrames(socketPath, shout, { maxFrame: 1024 }));
    const good = await connectTo(socketPath);
    const bad = await connectTo(socketPath);
    bad.on("error", () => undefined);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1_000_000_000);
    bad.write(header);
    await withTimeout("the server to drop the client that sent a 1 GB header", closed(bad));

    const reply = readFrames(good, 1, "a reply to the well-behaved client");
    good.write(frame("still there?"));
    expect(await reply).toEqual(["echo:STILL THERE?"]);
    expect((await request(socketPath, Buffer.from("new client"))).toString()).toBe("echo:NEW CLIENT");
  });
});

// ---------------------------------------------------------------- request

describe("request", () => {
  it("sends one frame and resolves with the reply, even when the reply arrives in pieces", async () => {
    const socketPath = path.join(socketDir(), "s");
    await plainServer(socketPath, (socket) => {
      void readFrames(socket, 1, "the request frame").then(
        async ([body]) => {
          for (const byte of frame(`re:${body}`)) {
            socket.write(Buffer.from([byte]));
            await nextTurn();
          }
        },
        () => undefined,
      );
    });
    const reply = await request(socketPath, Buffer.from("ping"), { timeoutMs: 10_000 });
    expect(Buffer.isBuffer(reply), "request() must resolve with a Buffer").toBe(true);
    expect(reply.toString()).toBe("re:ping");
  });

  it("rejects with RequestTimeoutError when no reply comes, and closes the connection", async () => {
    const socketPath = path.join(socketDir(), "s");
    const serverSide: net.Socket[] = [];
    await plainServer(socketPath, (socket) => {
      serverSide.push(socket);
    });
    const err = await expectRejects(
      () => request(socketPath, Buffer.from("anyone?"), { timeoutMs: 300 }),
      RequestTimeoutError,
      "request() to a server that never replies, with timeoutMs 300",
    );
    expect(err.timeoutMs).toBe(300);
    const conn = await waitFor("the server to see the connection", () => serverSide[0]);
    await withTimeout(
      "the client to close the timed-out connection",
      new Promise<void>((resolve) => {
        if (conn.readableEnded || conn.destroyed) return resolve();
        conn.once("end", () => resolve());
        conn.once("close", () => resolve());
        conn.resume();
      }),
    );
  });

  it("rejects with a clear error when there is no server, or it closes without replying", async () => {
    const dir = socketDir();
    const missing = await expectRejects(
      () => request(path.join(dir, "none"), Buffer.from("x"), { timeoutMs: 10_000 }),
      Error,
      "request() to a path where no server listens",
    );
    expect(missing.message).toMatch(/ENOENT/);

    const socketPath = path.join(dir, "s");
    await plainServer(socketPath, (socket) => socket.end());
    const hungUp = await expectRejects(
      () => request(socketPath, Buffer.from("x"), { timeoutMs: 10_000 }),
      Error,
      "request() to a server that closes the connection without replying",
    );
    expect(hungUp).not.toBeInstanceOf(RequestTimeoutError);
    expect(hungUp.message).toMatch(/closed/);
  });
});

import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "07",
  slug: "unix-sockets",
  title: "Unix domain sockets",
  summary:
    "Socket files, stale sockets and EADDRINUSE, permissions as access control, the 107-byte path limit, byte streams without message boundaries, datagrams from Python, UDS vs TCP loopback measured; a safe listenUnix(), a frame codec and a request client with a timeout.",
  lab: {
    timeLimitSeconds: 60,
    files: ["listen.ts", "frames.ts", "server.ts", "client.ts"],
    tasks: [
      { id: "listenUnix", title: "listenUnix(): recover stale sockets, never clobber, mode from birth, short paths", points: 5 },
      { id: "frames", title: "A length-prefixed frame codec with a maximum frame size", points: 3 },
      { id: "serveFrames", title: "serveFrames(): one reply per frame, drop clients that break the limit", points: 3 },
      { id: "request", title: "request(): one frame out, one frame back, with a timeout", points: 2 },
    ],
    hints: [
      "Work in the order of the tasks: listen.ts, frames.ts, server.ts, client.ts. The notebook's experiments are the cases listenUnix() must tell apart: no file, a stale file (connect gives ECONNREFUSED), a live server (connect succeeds), a regular file. lstatSync(path).isSocket() says which kind of file it is.",
      "Never unlink before you know: probeSocket() is `net.connect(path)`; \"connect\" means live (destroy the probe, throw AddressInUseError), an \"error\" with code ECONNREFUSED means stale (unlinkSync, then listen). Check `Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES` first: bytes, not characters.",
      "A `data` event is not a message. FrameDecoder keeps a `pending` Buffer: concat the chunk, then loop while `pending.length >= 4`: `length = pending.readUInt32BE(0)`; if `length > maxFrame` throw FrameTooLargeError right away; if `pending.length < 4 + length` break; else take `subarray(4, 4 + length)` and move on. Keep whatever is left, even 1 to 3 bytes of a header.",
      "Mode without a window: Node binds inside `server.listen(path)` synchronously, so `const old = process.umask(~mode & 0o777); try { server.listen(path, resolve) } finally { process.umask(old) }` creates the file with its final mode; no chmod. serveFrames: per connection `new FrameDecoder(maxFrame)`, `try { frames = decoder.push(chunk) } catch { socket.destroy(); return }`, and `socket.on(\"error\", () => socket.destroy())`.",
      "request(), nearly the answer: `const socket = net.connect(path); const timer = setTimeout(() => finish(new RequestTimeoutError(path, timeoutMs)), timeoutMs);` with `finish(err, reply)` that returns if already settled, clears the timer, calls `socket.destroy()`, then rejects or resolves. On \"connect\" write `encodeFrame(payload, maxFrame)`; on \"data\" push into a FrameDecoder and finish with the first frame; on \"error\" finish with an Error naming `err.code`; on \"close\" finish with \"closed the connection before replying\".",
    ],
  },
};

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
      {
        id: "listenUnix",
        title: "listenUnix(): recover stale sockets, never clobber, mode from birth, short paths",
        short: "listenUnix(): safe sockets",
        points: 5,
        hints: [
          "The notebook's experiments are the cases listenUnix() must tell apart: no file, a stale file (connect is refused), a live server (connect succeeds), a regular file. lstat says which kind of file it is.",
          'Never unlink before you know: probe with a connect. "connect" means a live server (close the probe, throw AddressInUseError); ECONNREFUSED means stale (unlink, then listen); anything that is not a socket is refused. Check the path\'s length in bytes, not characters, first.',
          "Mode from birth: the socket file is created inside listen(), with the process's umask applied; set the umask so that the file is born with the requested mode, and restore it right after, whatever happens. A chmod afterwards leaves a window. close() removes the file.",
        ],
      },
      {
        id: "frames",
        title: "A length-prefixed frame codec with a maximum frame size",
        short: "A length-prefixed frame codec",
        points: 3,
        hints: [
          "A `data` event is not a message: the stream may cut anywhere, even inside the 4-byte header. What must the decoder keep between chunks?",
          "Keep a pending Buffer: append each chunk, then loop while it holds a whole header and a whole frame (4 + length bytes), taking frames out; keep whatever is left, even 1 to 3 bytes of a header.",
          "Refuse an oversized frame from its header alone, before its payload arrives; refuse to encode one too. The length is a 4-byte big-endian unsigned integer.",
        ],
      },
      {
        id: "serveFrames",
        title: "serveFrames(): one reply per frame, drop clients that break the limit",
        short: "serveFrames(): a reply a frame",
        points: 3,
        hints: [
          "Each connection has its own byte stream, so each needs its own decoder.",
          'For each frame decoded, write one encoded reply. A decoder error (an oversized frame) destroys that connection only; a socket "error" must not crash the server either.',
        ],
      },
      {
        id: "request",
        title: "request(): one frame out, one frame back, with a timeout",
        short: "request(): frame out, reply in",
        points: 2,
        hints: [
          "Several things can end a request: the reply, an error, the server closing, the timer. Only the first may settle the promise, and every one of them must leave the socket closed and the timer cleared.",
          'Write one settle function that does nothing if already settled, clears the timer, destroys the socket, then resolves or rejects. On "connect" send the frame; feed "data" to a decoder and settle with the first frame; "error", "close" and the timer (RequestTimeoutError) settle with clear errors.',
        ],
      },
    ],
  },
};

// serveFrames(): a request/response server over a Unix socket.
//
// Each connection gets its own FrameDecoder; each complete frame is one
// request, answered by one frame. A client that breaks the protocol (a frame
// over the limit) is disconnected; the server and its other clients carry on.
import type net from "node:net";
import { DEFAULT_MAX_FRAME, encodeFrame, FrameDecoder } from "./frames";
import { listenUnix, type ListenUnixOptions } from "./listen";

export type Handler = (request: Buffer) => Buffer | Promise<Buffer>;

export interface ServeFramesOptions extends ListenUnixOptions {
  /** Largest request or reply payload, in bytes. */
  maxFrame?: number;
}

export function serveFrames(path: string, handler: Handler, { maxFrame = DEFAULT_MAX_FRAME, mode }: ServeFramesOptions = {}): Promise<net.Server> {
  return listenUnix(path, (socket) => serveConnection(socket, handler, maxFrame), { mode });
}

function serveConnection(socket: net.Socket, handler: Handler, maxFrame: number): void {
  const decoder = new FrameDecoder(maxFrame);
  // A reset or a write to a vanished client must not become an uncaught error.
  socket.on("error", () => socket.destroy());
  // Replies go out in request order even if a handler is slow: chain them.
  let replies = Promise.resolve();
  socket.on("data", (chunk: Buffer) => {
    let requests: Buffer[];
    try {
      requests = decoder.push(chunk);
    } catch {
      // FrameTooLargeError: this peer cannot be trusted to stay in sync; drop it.
      socket.destroy();
      return;
    }
    for (const request of requests) {
      // Copy: the payload may share memory with the chunk, and the handler may keep it.
      const own = Buffer.from(request);
      replies = replies
        .then(async () => {
          const reply = await handler(own);
          if (!socket.destroyed) socket.write(encodeFrame(reply, maxFrame));
        })
        .catch(() => {
          // A failing handler ends this conversation, not the server.
          socket.destroy();
        });
    }
  });
}

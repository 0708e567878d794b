// serveFrames(): a request/response server over a Unix socket.
//
// Each connection gets its own FrameDecoder; each complete frame is one
// request, answered by one frame. A client that breaks the protocol (a frame
// over the limit) is disconnected; the server and its other clients carry on.
import type net from "node:net";
import { DEFAULT_MAX_FRAME } from "./frames";
import type { ListenUnixOptions } from "./listen";

export type Handler = (request: Buffer) => Buffer | Promise<Buffer>;

export interface ServeFramesOptions extends ListenUnixOptions {
  /** Largest request or reply payload, in bytes. */
  maxFrame?: number;
}

export function serveFrames(path: string, handler: Handler, { maxFrame = DEFAULT_MAX_FRAME, mode }: ServeFramesOptions = {}): Promise<net.Server> {
  // TODO: listenUnix(path, onConnection, { mode }). For each connection: one
  // FrameDecoder(maxFrame); on "data", push the chunk (a data event is NOT a
  // message) and answer each frame with encodeFrame(await handler(frame)), in
  // order. If push() throws, destroy that socket only. Handle the socket's
  // "error" event so a vanished client cannot crash the server.
  void maxFrame;
  void mode;
  throw new Error("TODO: serveFrames");
}

// The Jupyter messaging protocol, just enough of it: signing, framing, parsing.
// https://jupyter-client.readthedocs.io/en/stable/messaging.html
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const DELIMITER = "<IDS|MSG>";

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message<Content = Record<string, unknown>> {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Content;
}

export function newMessage<Content>(msgType: string, session: string, content: Content): Message<Content> {
  return {
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session,
      username: "course",
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: {},
    metadata: {},
    content,
  };
}

function sign(key: string, parts: string[]): string {
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/** The frames to send on a DEALER socket (no routing identities). */
export function encode(key: string, message: Message<unknown>): string[] {
  const parts = [JSON.stringify(message.header), JSON.stringify(message.parent_header), JSON.stringify(message.metadata), JSON.stringify(message.content)];
  return [DELIMITER, sign(key, parts), ...parts];
}

/** Frames that are not a message we may trust: why, in words. */
export interface Refused {
  refused: string;
}

/**
 * Parse received frames (any routing prefix is skipped) and verify their signature: a message
 * not signed with this kernel's connection key did not come from our kernel (anyone on the
 * machine can connect to a loopback port) and is refused, never acted on.
 */
export function decode(key: string, frames: Buffer[]): Message | Refused {
  const at = frames.findIndex((frame) => frame.toString() === DELIMITER);
  if (at < 0 || frames.length < at + 6) return { refused: "frames without the <IDS|MSG> delimiter and four parts" };
  const parts = frames.slice(at + 2, at + 6).map((frame) => frame.toString("utf8"));
  const expected = Buffer.from(sign(key, parts));
  const given = Buffer.from(frames[at + 1]!.toString());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { refused: "a message with a bad signature (not signed with the connection key)" };
  }
  try {
    const [header, parent_header, metadata, content] = parts.map((part) => JSON.parse(part) as unknown);
    return {
      header: header as Header,
      parent_header: parent_header as Partial<Header>,
      metadata: metadata as Record<string, unknown>,
      content: content as Record<string, unknown>,
    };
  } catch {
    return { refused: "a message whose parts are not JSON" };
  }
}

export function isRefused(decoded: Message | Refused): decoded is Refused {
  return "refused" in decoded;
}

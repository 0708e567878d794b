// The Jupyter messaging protocol, just enough of it: signing, framing, parsing.
// https://jupyter-client.readthedocs.io/en/stable/messaging.html
import { createHmac, randomUUID } from "node:crypto";

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
  const parts = [
    JSON.stringify(message.header),
    JSON.stringify(message.parent_header),
    JSON.stringify(message.metadata),
    JSON.stringify(message.content),
  ];
  return [DELIMITER, sign(key, parts), ...parts];
}

/**
 * Parse received frames (any routing prefix is skipped). Returns undefined for
 * frames that are not a Jupyter message. The signature is not checked: tslab
 * signs its replies with an empty key, and the sockets are loopback-only.
 */
export function decode(frames: Buffer[]): Message | undefined {
  const at = frames.findIndex((frame) => frame.toString() === DELIMITER);
  if (at < 0 || frames.length < at + 6) return undefined;
  const part = (i: number): unknown => JSON.parse(frames[at + 2 + i]!.toString("utf8"));
  return {
    header: part(0) as Header,
    parent_header: part(1) as Partial<Header>,
    metadata: part(2) as Record<string, unknown>,
    content: part(3) as Record<string, unknown>,
  };
}

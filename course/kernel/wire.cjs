// @ts-check
// The Jupyter wire protocol, kernel side: signed frames in, signed frames out.
// https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol
"use strict";

const crypto = require("node:crypto");

const DELIMITER = "<IDS|MSG>";
const PROTOCOL_VERSION = "5.3";

/**
 * HMAC-SHA256 of the four JSON parts, hex: the signature Jupyter expects.
 * @param {string} key
 * @param {string[]} parts
 */
function sign(key, parts) {
  const hmac = crypto.createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/**
 * @typedef {{msg_id: string, msg_type: string, session: string, username: string, date: string, version: string}} Header
 * @typedef {{identities: Buffer[], header: Header, parent_header: object, metadata: object, content: any}} Message
 */

/**
 * Parse and verify received frames. A message whose signature does not match the connection key
 * did not come from our front end: it is refused (returned as an error string), never obeyed.
 * @param {string} key @param {Buffer[]} frames @returns {Message | string}
 */
function parse(key, frames) {
  const at = frames.findIndex((frame) => frame.toString() === DELIMITER);
  if (at < 0 || frames.length < at + 6) return "a message without the <IDS|MSG> delimiter or its four parts";
  const parts = frames.slice(at + 2, at + 6).map((frame) => frame.toString("utf8"));
  const expected = Buffer.from(sign(key, parts));
  const given = Buffer.from(frames[at + 1].toString());
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return "a message with a bad signature (not signed with this kernel's connection key)";
  }
  try {
    const [header, parent_header, metadata, content] = parts.map((part) => JSON.parse(part));
    return { identities: frames.slice(0, at), header, parent_header, metadata, content };
  } catch {
    return "a message whose parts are not JSON";
  }
}

/**
 * The signed frames of a message from this kernel. `prefix` is the routing identities (shell,
 * control) or a topic (iopub).
 * @param {string} key @param {Buffer[]} prefix @param {Header} header @param {object} parent @param {object} content
 */
function frame(key, prefix, header, parent, content) {
  const parts = [JSON.stringify(header), JSON.stringify(parent), JSON.stringify({}), JSON.stringify(content)];
  return [...prefix, DELIMITER, sign(key, parts), ...parts];
}

/**
 * A fresh header.
 * @param {string} session
 * @param {string} msgType
 * @returns {Header}
 */
function header(session, msgType) {
  return {
    msg_id: crypto.randomUUID(),
    msg_type: msgType,
    session,
    username: "kernel",
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

module.exports = { DELIMITER, PROTOCOL_VERSION, sign, parse, frame, header };

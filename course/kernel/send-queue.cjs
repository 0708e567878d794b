// @ts-check
// Every outgoing zeromq message reaches the front end, in order, even in a burst.
//
// zeromq v6 allows one send in flight per socket, and tslab never waits for a send to finish. A
// burst of output (a loop that prints 20,000 lines) makes zeromq refuse sends, and messages are
// lost, sometimes even the final `status: idle`, which hangs the front end. We queue every send
// per socket, retry the rare "busy" refusal, and merge runs of queued output into one message so
// a burst drains quickly. And a PUB socket silently drops messages once its queue holds 1000 (the
// high-water mark), so the output socket gets an unlimited queue.
"use strict";

const util = require("node:util");
const { warn } = require("./warn.cjs");
const { sign, DELIMITER } = require("./wire.cjs");

const BUSY_RETRY_MS = 1;
const MAX_BUSY_RETRIES = 1000;

/**
 * One outgoing Jupyter message: its zeromq frames and the callers waiting for it.
 * @typedef {{frames: Array<string | Buffer>, done: Array<(err?: unknown) => void>}} Outgoing
 */

/** If these frames are a `stream` message, return its parts; else undefined. */
/** @param {Array<string | Buffer>} frames */
function parseStream(frames) {
  const at = frames.findIndex((f) => String(f) === DELIMITER);
  if (at < 0 || frames.length !== at + 6) return undefined;
  const header = JSON.parse(String(frames[at + 2]));
  if (header.msg_type !== "stream") return undefined;
  const content = JSON.parse(String(frames[at + 5]));
  return { at, parent: String(frames[at + 3]), name: String(content.name), text: String(content.text) };
}

/**
 * Merge a run of queued `stream` messages (same cell, same stream) into the first.
 * Order with every other message is kept: only adjacent messages merge.
 * @param {string} key @param {Outgoing[]} queue
 */
function mergeStreams(key, queue) {
  const first = parseStream(queue[0].frames);
  if (!first) return;
  const texts = [first.text];
  while (queue.length > 1) {
    const next = parseStream(queue[1].frames);
    if (!next || next.parent !== first.parent || next.name !== first.name) break;
    texts.push(next.text);
    queue[0].done.push(...queue[1].done);
    queue.splice(1, 1);
  }
  if (texts.length === 1) return;
  const frames = queue[0].frames.slice();
  frames[first.at + 5] = JSON.stringify({ name: first.name, text: texts.join("") });
  frames[first.at + 1] = sign(key, frames.slice(first.at + 2).map(String));
  queue[0].frames = frames;
}

/**
 * Patch zeromq's sockets: queued sends on every socket, no high-water mark on PUB sockets.
 * @param {any} zmq the zeromq module @param {string} key the connection key (merged messages are re-signed)
 */
function installSendQueue(zmq, key) {
  const nativeSend = zmq.Socket.prototype.send;
  /** @type {WeakMap<object, Outgoing[]>} messages waiting, per socket */
  const queues = new WeakMap();

  /** @param {object} socket @param {Outgoing[]} queue */
  async function drain(socket, queue) {
    while (queue.length > 0) {
      mergeStreams(key, queue);
      const message = queue[0];
      /** @type {unknown} what zeromq threw, if the send failed */
      let failure;
      for (let attempt = 0; ; attempt++) {
        try {
          await nativeSend.call(socket, message.frames);
          break;
        } catch (err) {
          const code = /** @type {{code?: string}} */ (err).code;
          if (code !== "EBUSY" || attempt >= MAX_BUSY_RETRIES) {
            failure = err;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
        }
      }
      queue.shift();
      // A send after shutdown closed the socket is expected and harmless.
      const closed = /** @type {{closed?: boolean}} */ (socket).closed === true;
      if (failure && !closed) warn(`a message was not sent: ${failure instanceof Error ? String(failure) : util.inspect(failure)}`);
      for (const settle of message.done) settle(failure);
    }
  }

  /**
   * @this {object}
   * @param {Array<string | Buffer>} frames
   * @returns {Promise<void>}
   */
  function queuedSend(frames) {
    let queue = queues.get(this);
    const idle = !queue || queue.length === 0;
    if (!queue) queues.set(this, (queue = []));
    /** @type {Outgoing} */
    const message = { frames: Array.isArray(frames) ? frames : [frames], done: [] };
    /** @type {Promise<void>} */
    const sent = new Promise((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- zeromq's own error, passed on unchanged
      message.done.push((err) => (err ? reject(err) : resolve(undefined)));
    });
    sent.catch(() => undefined); // callers may ignore the promise; drain() reports failures
    queue.push(message);
    if (idle) void drain(this, queue);
    return sent;
  }
  // The native method is read-only, so redefine it rather than assign.
  Object.defineProperty(zmq.Socket.prototype, "send", { value: queuedSend, configurable: true });

  const nativeBind = zmq.Socket.prototype.bind;
  /**
   * @this {{sendHighWaterMark: number}}
   * @param {string} address
   */
  function bindWithoutDrops(address) {
    this.sendHighWaterMark = 0; // 0 = no limit
    return nativeBind.call(this, address);
  }
  // Socket.prototype.bind is not configurable; shadow it on the PUB class only.
  Object.defineProperty(zmq.Publisher.prototype, "bind", { value: bindWithoutDrops, configurable: true });
}

module.exports = { installSendQueue };

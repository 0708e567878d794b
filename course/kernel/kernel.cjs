// @ts-check
// The course kernel's Jupyter side: tslab compiles and runs the cells; this file speaks the
// protocol, so that every front end (Notebook, JupyterLab, VS Code, nbconvert, the course's own
// runner) sees a well-behaved kernel:
//  - a failing cell sends an `error` message and an `execute_reply` with ename, evalue and a
//    traceback that shows the cell's frames, not tslab's (tslab only printed to stderr, and
//    nbconvert showed a blank "CellExecutionError ... <Error>: ");
//  - a cell's last expression is its result, `Out[n]` (tslab printed it to stdout);
//  - execution counts, `execute_input`, and `kernel_info_reply` with `status: "ok"`;
//  - requests whose signature does not match the connection key are refused;
//  - ports given as 0 are chosen by the kernel when it binds and written back to the
//    connection file (as ipykernel does), so no other process can take them in between.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const { warn } = require("./warn.cjs");
const util = require("node:util");
const wire = require("./wire.cjs");

/** Frames from tslab's own code and Node's internals say nothing about the learner's cell. */
const INTERNAL_FRAME = /node_modules[\\/](tslab|@tslab)[\\/]|course[\\/]kernel[\\/]|\(node:|at node:|^\s+at new Promise \(<anonymous>\)$/;

/**
 * What a thrown value looks like in an `error` message.
 * @param {unknown} thrown
 */
function describeThrown(thrown) {
  const isError = thrown instanceof Error || (typeof thrown === "object" && thrown !== null && "stack" in thrown && "message" in thrown);
  if (!isError) return { ename: "Uncaught", evalue: util.inspect(thrown), traceback: [`Uncaught ${util.inspect(thrown)}`] };
  const error = /** @type {Error & Record<string, unknown>} */ (thrown);
  const ename = typeof error.name === "string" && error.name !== "" ? error.name : "Error";
  const evalue = typeof error.message === "string" ? error.message : String(error.message);
  const stack = typeof error.stack === "string" && error.stack.includes(evalue) ? error.stack : `${ename}: ${evalue}`;
  // vm puts the compiled source line with a ^ marker above the stack ("evalmachine.<anonymous>:3"):
  // it shows tslab's JavaScript, not the learner's TypeScript, so the traceback starts at the name.
  const lines = stack.split("\n");
  const start = lines.findIndex((line) => line.startsWith(ename));
  const traceback = lines.slice(Math.max(start, 0)).filter((line) => !INTERNAL_FRAME.test(line));
  // A system error's fields say what failed (code: 'ENOENT', syscall: 'open', path: ...).
  for (const field of Object.keys(error)) {
    if (field !== "stack" && field !== "message" && field !== "name") traceback.push(`  ${field}: ${util.inspect(error[field])}`);
  }
  return { ename, evalue, traceback };
}

/**
 * Compile errors from tslab's diagnostics (console.error("%s%d:%d - %s", file, line, col, text)).
 * @param {unknown[][]} calls
 */
function describeDiagnostics(calls) {
  const lines = calls.map((args) => util.format(...args));
  const first = lines[0] ?? "the cell does not compile";
  return { ename: "TypeScriptError", evalue: first.replace(/^\d+:\d+ - /, ""), traceback: lines };
}

class CourseKernel {
  /**
   * @param {object} deps
   * @param {any} deps.zmq the zeromq module
   * @param {any} deps.tslabJupyter tslab/dist/jupyter.js (its handler formats completions; its display hook)
   * @param {any} deps.tslabExecutor tslab/dist/executor.js
   * @param {any} deps.tslabConverter tslab/dist/converter.js
   * @param {string} deps.tsVersion the TypeScript version tslab compiles with
   * @param {string} connectionFile
   */
  constructor({ zmq, tslabJupyter, tslabExecutor, tslabConverter, tsVersion }, connectionFile) {
    this.zmq = zmq;
    this.tslabJupyter = tslabJupyter;
    this.tsVersion = tsVersion;
    this.connectionFile = connectionFile;
    this.connection = JSON.parse(fs.readFileSync(connectionFile, "utf8"));
    this.key = String(this.connection.key ?? "");
    this.session = crypto.randomUUID();
    this.executionCount = 0;
    /** The cell running now gets the executor's messages (diagnostics, errors, its last value). */
    /** @type {{errors: unknown[][], hasValue: boolean, value: unknown}} */
    this.current = { errors: [], hasValue: false, value: undefined };
    const converters = {
      node: tslabConverter.createConverter({ isJS: false, isBrowser: false }),
      browser: undefined,
      close() {
        this.node.close();
      },
    };
    this.executor = tslabExecutor.createExecutor(process.cwd(), converters, {
      log: (/** @type {unknown} */ value) => {
        // tslab calls log() for one thing only: the value of the cell's last expression.
        this.current.hasValue = true;
        this.current.value = value;
      },
      error: (/** @type {unknown[]} */ ...args) => this.current.errors.push(args),
    });
    this.completer = new tslabJupyter.JupyterHandlerImpl(this.executor, false);
    /** Cells run one at a time, in the order they arrived. */
    this.queue = Promise.resolve();
    this.sequence = 0;
    /** After a failed cell, requests queued before it (and those arriving within ABORT_WINDOW_MS) are aborted. */
    this.abortBelow = 0;
    this.abortUntil = 0;
  }

  static ABORT_WINDOW_MS = 200;
  static EXIT_GRACE_MS = 100;

  /** Bind every socket, write chosen ports back, and serve. */
  async start() {
    const zmq = this.zmq;
    this.iopub = new zmq.Publisher();
    this.shell = new zmq.Router();
    this.control = new zmq.Router();
    this.stdin = new zmq.Router();
    this.hb = new zmq.Reply();
    const sockets = { shell_port: this.shell, iopub_port: this.iopub, stdin_port: this.stdin, control_port: this.control, hb_port: this.hb };
    let chosen = false;
    for (const [name, socket] of Object.entries(sockets)) {
      const port = Number(this.connection[name] ?? 0);
      await socket.bind(`${this.connection.transport ?? "tcp"}://${this.connection.ip ?? "127.0.0.1"}:${port === 0 ? "*" : port}`);
      if (port === 0) {
        chosen = true;
        this.connection[name] = Number(/:(\d+)$/.exec(String(socket.lastEndpoint))?.[1]);
      }
    }
    if (chosen) this.writeConnectionFile();
    void this.serve(this.shell);
    void this.serve(this.control);
    void this.heartbeat();
    this.publish("status", undefined, { execution_state: "starting" });
  }

  /** Write the file atomically: a reader sees the old ports (0) or all the new ones. */
  writeConnectionFile() {
    const temporary = `${this.connectionFile}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.connection), { mode: 0o600 });
    fs.renameSync(temporary, this.connectionFile);
  }

  async heartbeat() {
    try {
      for await (const frames of this.hb) await this.hb.send(frames);
    } catch {
      // closed at shutdown
    }
  }

  /** @param {any} socket */
  async serve(socket) {
    try {
      for await (const frames of socket) {
        const message = wire.parse(this.key, frames);
        if (typeof message === "string") {
          warn(`refused ${message}`);
          continue;
        }
        void this.handle(socket, message).catch((err) => warn(`${util.inspect(err)}`));
      }
    } catch {
      // closed at shutdown
    }
  }

  /**
   * Send on iopub.
   * @param {string} msgType
   * @param {wire.Message | undefined} parent
   * @param {object} content
   */
  publish(msgType, parent, content) {
    const topic = Buffer.from(`kernel.${this.session}.${msgType}`);
    return this.iopub.send(wire.frame(this.key, [topic], wire.header(this.session, msgType), parent?.header ?? {}, content));
  }

  /**
   * Reply on the socket the request came from.
   * @param {any} socket
   * @param {wire.Message} request
   * @param {string} msgType
   * @param {object} content
   */
  reply(socket, request, msgType, content) {
    return socket.send(wire.frame(this.key, request.identities, wire.header(this.session, msgType), request.header, content));
  }

  /** @param {any} socket @param {wire.Message} request */
  async handle(socket, request) {
    const type = request.header.msg_type;
    if (type === "execute_request") return this.enqueueExecute(socket, request);
    this.publish("status", request, { execution_state: "busy" });
    try {
      const content = request.content ?? {};
      switch (type) {
        case "kernel_info_request":
          await this.reply(socket, request, "kernel_info_reply", this.kernelInfo());
          break;
        case "is_complete_request":
          await this.reply(socket, request, "is_complete_reply", this.completer.handleIsComplete(content));
          break;
        case "inspect_request":
          await this.reply(socket, request, "inspect_reply", this.completer.handleInspect(content));
          break;
        case "complete_request":
          await this.reply(socket, request, "complete_reply", this.completer.handleComplete(content));
          break;
        case "comm_info_request":
          await this.reply(socket, request, "comm_info_reply", { status: "ok", comms: {} });
          break;
        case "history_request":
          await this.reply(socket, request, "history_reply", { status: "ok", history: [] });
          break;
        case "interrupt_request":
          this.executor.interrupt();
          await this.reply(socket, request, "interrupt_reply", { status: "ok" });
          break;
        case "shutdown_request":
          await this.reply(socket, request, "shutdown_reply", { status: "ok", restart: Boolean(content.restart) });
          await this.publish("status", request, { execution_state: "idle" });
          this.shutdown();
          return;
        default:
          warn(`unknown request ${type}`);
      }
    } finally {
      this.publish("status", request, { execution_state: "idle" });
    }
  }

  kernelInfo() {
    return {
      status: "ok",
      protocol_version: wire.PROTOCOL_VERSION,
      implementation: "tslab (Unix IPC course kernel)",
      implementation_version: "1.0.22",
      language_info: {
        name: "typescript",
        version: this.tsVersion,
        mimetype: "text/typescript",
        file_extension: ".ts",
        // JupyterLab reads `mode`; the classic Notebook reads `name` with `typescript: true`.
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `TypeScript ${this.tsVersion} on Node ${process.version} (tslab), for the Unix processes and IPC course`,
      help_links: [],
    };
  }

  /** @param {any} socket @param {wire.Message} request */
  enqueueExecute(socket, request) {
    const sequence = ++this.sequence;
    const arrivedInAbortWindow = performance.now() < this.abortUntil;
    const run = async () => {
      const aborted = arrivedInAbortWindow || sequence < this.abortBelow;
      this.publish("status", request, { execution_state: "busy" });
      try {
        if (aborted) await this.reply(socket, request, "execute_reply", { status: "abort", execution_count: this.executionCount });
        else await this.execute(socket, request);
      } finally {
        await this.publish("status", request, { execution_state: "idle" });
      }
    };
    const next = this.queue.then(run);
    this.queue = next.catch((err) => warn(`${util.inspect(err)}`));
    return next;
  }

  /**
   * Run one cell and send everything Jupyter expects about it.
   * @param {any} socket
   * @param {wire.Message} request
   */
  async execute(socket, request) {
    const { code = "", silent = false, store_history: storeHistory = true, stop_on_error: stopOnError = true } = request.content ?? {};
    if (!silent && storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", request, { code, execution_count: count });

    // While this cell runs, its console output, and output written later by its callbacks, go to it.
    const stream = (/** @type {string} */ name) => (/** @type {string | Uint8Array} */ chunk) => {
      const text = typeof chunk === "string" ? chunk : new util.TextDecoder().decode(chunk);
      if (!silent) this.publish("stream", request, { name, text });
      return true;
    };
    process.stdout.write = /** @type {any} */ (stream("stdout"));
    process.stderr.write = /** @type {any} */ (stream("stderr"));
    this.tslabJupyter.lastWriteDisplayData = (/** @type {object} */ data, /** @type {boolean} */ update) => {
      if (!silent) this.publish(update ? "update_display_data" : "display_data", request, data);
    };

    this.current = { errors: [], hasValue: false, value: undefined };
    let ok;
    try {
      ok = await this.executor.execute(code);
    } catch (err) {
      ok = false;
      this.current.errors.push([err]);
    }
    const { errors, hasValue, value } = this.current;

    if (!ok) {
      const single = errors.length === 1 && errors[0].length === 1 ? errors[0][0] : undefined;
      const failure = single !== undefined ? describeThrown(single) : describeDiagnostics(errors);
      if (!silent) this.publish("error", request, failure);
      if (stopOnError) {
        this.abortBelow = this.sequence + 1;
        this.abortUntil = performance.now() + CourseKernel.ABORT_WINDOW_MS;
      }
      await this.reply(socket, request, "execute_reply", { status: "error", execution_count: count, ...failure });
      return;
    }
    // A module cell (`//@tslab module`) compiles with warnings but still counts as run: show them.
    for (const args of errors) if (!silent) this.publish("stream", request, { name: "stderr", text: `${util.format(...args)}\n` });
    if (hasValue && !silent) {
      this.publish("execute_result", request, { execution_count: count, data: { "text/plain": util.inspect(value) }, metadata: {} });
    }
    await this.reply(socket, request, "execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: {} });
  }

  /** Stop serving and exit, even if a cell left a server or a timer running. */
  shutdown() {
    try {
      this.executor.close();
    } catch {
      // the compiler's watchers are going away with the process anyway
    }
    for (const socket of [this.shell, this.control, this.stdin, this.hb, this.iopub]) socket?.close();
    // Closing hands the last replies to zeromq's I/O thread; give it a moment to put them on the
    // wire, then exit even if a cell left a server or a timer that would keep Node running.
    setTimeout(() => process.exit(0), CourseKernel.EXIT_GRACE_MS);
  }

  /** SIGINT: the front end's interrupt button (interrupt_mode "signal"). */
  interrupt() {
    this.executor.interrupt();
  }
}

module.exports = { CourseKernel, describeThrown };

import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "11",
  slug: "supervisor",
  title: "Capstone: a process supervisor (supd)",
  summary:
    "The parts fit: a supervisor with a config checked whole, programs in their own process groups, logs through pipes (bounded lines, reopened on SIGHUP), restart with backoff on the monotonic clock, FATAL after a crash loop, a 0600 control socket with framed JSON and peer credentials, daemon mode with readiness, a subreaper for escaped grandchildren, and a shutdown that leaves nothing behind.",
  lab: {
    files: [
      "config.ts",
      "program.ts",
      "logs.ts",
      "control.ts",
      "supd.ts",
      "protocol.ts",
      "frames.ts",
      "peercred.ts",
      "proc.ts",
      "pidfile.ts",
      "daemon.ts",
      "subreaper.ts",
      "client.ts",
      "supctl.ts",
    ],
    tasks: [
      {
        id: "config",
        title: "parseConfig(): every problem named before anything starts",
        short: "Config checked whole",
        points: 4,
        hints: [
          "Every test drives the real supd, so it needs all four parts: write config.ts, then program.ts, then logs.ts (and logLines in program.ts), then control.ts, then startSupervisor() in supd.ts, and run `npm run grade -- 11` after each. Try it by hand too: a JSON config with a `sh -c` program, `npx tsx labs/11-supervisor/supd.ts --config my.json --foreground`, and from another terminal `npx tsx labs/11-supervisor/supctl.ts --socket <path> status`. Files without TODO (protocol, frames, peercred, proc, pidfile, daemon, subreaper, client, supctl) are given: read them first.",
          "parseConfig: one `problems` array and a `problem(program, field, message)` helper; every check pushes and carries on with a default instead of returning, and the throw comes at the very end, only if the array is not empty. The command check is resolveCommand(command, cwd, env.PATH ?? process.env.PATH) — that is how a missing program is caught before supd starts anything.",
        ],
      },
      {
        id: "program",
        title: "Program: own group, monotonic backoff, FATAL, SIGTERM then SIGKILL",
        short: "Program lifecycle",
        points: 6,
        hints: [
          'Program: spawnChild() is `spawn(command, args, { cwd, env: { ...process.env, ...env, [PROGRAM_MARK]: name }, detached: true, stdio: ["ignore", "pipe", "pipe"] })`, then `this.outputEnded = Promise.all([this.outputEnded, ...[child.stdout, child.stderr].map((s) => this.logLines(s))])`; its pid is also its process group id. STARTING -> RUNNING is a setTimeout(startMs) that checks it is still the same child and still STARTING. In exited(): STARTING means a failed start (retries += 1, BACKOFF with backoffDelay or FATAL), RUNNING means EXITED (then spawn again if autorestart), STOPPING means stop() is waiting. backoffDelay = Math.min(backoffMaxMs, backoffMs * 2 ** (retry - 1)).',
          "stop(): signalGroup(pgid, stopSignal) reaches the program and the children it started in its group; a setTimeout(stopTimeoutMs) sends SIGKILL to the group; then await the leader's exit (keep a promise that spawnChild resolves on \"exit\") and loop `while (groupMembers(pgid).length > 0) await delay(20)`; then `await killOrphans(this.programPids, (o) => o.program === this.name)` (grandchildren that escaped the group, see subreaper.ts); clearTimeout; STOPPED. Times: the Program's `now` clock (performance.now()), never Date.now(): the crash-loop test runs supd with a wall clock that jumps an hour at every read.",
        ],
      },
      {
        id: "logs",
        title: "Logs through pipes: whole lines, bounded, every line kept, reopened on SIGHUP",
        short: "Logs",
        points: 4,
        hints: [
          "supd reads each program's stdout and stderr from pipes and writes whole lines to the log, so it alone holds the file (and can reopen it when logrotate renames it) and a line that never ends cannot eat its memory. The one rule that costs lines when broken: read a pipe until its END, not until the program's exit — a program that writes fast and exits still has lines in the pipe when supd sees the exit, and a process it started may hold the pipe and write after it.",
          'LineBuffer.push: `for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) { this.keep(chunk.subarray(start, nl)); out.push(this.takeLine()); start = nl + 1 } this.keep(chunk.subarray(start)); return Buffer.concat(out)`, where keep() stores at most maxLineBytes - pendingBytes bytes and adds the rest to `dropped`, and takeLine() returns `Buffer.concat([...pending, Buffer.from((dropped > 0 ? cutMarker(dropped) : "") + "\\n")])` and resets. end(): empty if nothing is pending, else takeLine(). LogFile.reopen: `const fresh = openSync(this.file, "a", 0o644); closeSync(this.fd); this.fd = fresh`. logLines in program.ts: `const lines = new LineBuffer(); stream.on("data", (c) => this.writeLog(lines.push(c))); stream.once("close", () => { this.writeLog(lines.end()); resolve() })`.',
        ],
      },
      {
        id: "control",
        title: "Control socket: 0600, stale-safe, framed, peer uid, bad clients isolated",
        short: "Control socket",
        points: 5,
        hints: [
          "The control socket is chapter 07 and 08 together: a Unix socket that must not clobber a live supd but may replace a stale file, a mode fixed before anyone can connect, framed requests (frames.ts is given), and the peer's uid from SO_PEERCRED (peercred.ts is given) checked before any request is served. One bad client must never stop the others.",
          "control.ts: serveControl = defaults, clearStaleSocket (lstat: not a socket -> NotASocketError; probe live -> SocketInUseError; stale -> unlink), then `const old = process.umask(0o177); try { server.listen(path, resolve) } finally { process.umask(old) }`. serveClient keeps one promise chain `queue`: first `peerCredentials(socket)` (wrong uid: send permission-denied, end, throw to stop the chain; attach `queue.catch(() => {})` at once), then each frame `queue = queue.then(() => handle(parseRequest(frame)).then(send))`. Count requests in flight and let the idle timeout destroy the socket only when that count is 0.",
        ],
      },
      {
        id: "shutdown",
        title: "startSupervisor(): readiness (foreground and daemon), requests, a subreaper, a shutdown that leaves nothing",
        short: "Readiness, daemon, shutdown",
        points: 6,
        hints: [
          "startSupervisor() ties the parts together in an order that matters: claim the pid file, create the programs, serve the control socket, start the autostart programs, and say ready only when each is running or has failed. Shutdown runs the other way round, and only once, however many times it is asked for. Daemon mode (daemon.ts, given) reports to the launching command exactly what your `ready` promise says: if it resolves before every autostart program is RUNNING or has failed, `supd --config x && supctl status` sees programs still STARTING. Become a subreaper (becomeSubreaper(programPids), given) before the first program starts, or escaped grandchildren go to pid 1 and survive you; it also reaps each adopted grandchild the moment it dies, and programPids is how it tells those from the programs Node spawned (Node reaps its own).",
          "startSupervisor, nearly the answer: mkdir logDir; `pid = config.pidFile && claimPidFile(config.pidFile)`; `programs = new Map()`; `programPids = () => new Set(programs' status().pid that are not null)`; `subreaper = await becomeSubreaper(programPids)`; fill programs: spec.name -> new Program(spec, logDir, () => performance.now(), checkReady, programPids); the tail case is `{ ok: true, lines: lastLines(program(name).logFile, request.lines) }`; `server = await serveControl(config.socket, handle, { allowedUid: config.controlUid ?? process.getuid!() })`; start the autostart ones; checkReady(). shutdown: `shuttingDown ??= (async () => { closed = new Promise(r => server.close(() => r())); await Promise.all(programs.map(p => p.stop())); await killOrphans(programPids, () => true); await Promise.race([Promise.all(programs.map(p => p.drained())), delay(DRAIN_TIMEOUT_MS)]); programs.forEach(p => p.closeLog()); releasePidFile(...) })()`; reopenLogs = programs.forEach(p => p.reopenLog()); finished = shutdown's promise then `closed`. The handler's shutdown case awaits that same shutdown, so `supctl shutdown` is answered after every program is stopped.",
        ],
      },
    ],
    // Its slowest test file took 14 s with both cores busy (before logs, daemon and subreaper tests); four times the whole lab, with room.
    timeLimitSeconds: 180,
  },
};

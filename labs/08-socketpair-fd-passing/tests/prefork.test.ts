// Lab 08 tests: the restart backoff, then the pre-fork master and its workers,
// run as real processes. Facts about descriptors are read from /proc.
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RestartBackoff } from "@impl/08-socketpair-fd-passing/backoff";
import { expectThrows, impl, isAlive, processTable, readLine, spawnTs, tempDir, waitFor, waitForExit, withTimeout } from "../../../course/testkit";

const MASTER = impl("08-socketpair-fd-passing/master.ts");
const SLOW_WORKER_MASTER = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "slow-worker-master.ts");
/** A master and its workers each start Node with the TypeScript loader: be generous for the first start. */
const SLOW = { timeoutMs: 30_000 };
const PROCESS_TEST_MS = 60_000;

/**
 * How long to wait for something a working master does in about the time it
 * took to start: a few times its measured start-up (on this machine, now), at
 * least 3 s. A wrong answer then fails in seconds, not after a fixed 30 s.
 */
function budget(master: Master): number {
  return Math.max(3_000, 4 * master.startupMs);
}

// ---------------------------------------------------------------- test scaffolding

interface Master {
  child: ChildProcess;
  pid: number;
  socketPath: string;
  /** Every line the master printed so far. */
  lines: string[];
  /** Milliseconds from spawning the master to its READY line. */
  startupMs: number;
}

/** Start master.ts; with `slowWorkers`, a master whose workers take a while to load (fixtures/). */
async function startMaster(workers: number, { slowWorkers = false } = {}): Promise<Master> {
  const started = performance.now();
  const dir = realpathSync(tempDir("prefork-"));
  const socketPath = path.join(dir, "server.sock");
  const [script, ...args] = slowWorkers
    ? [SLOW_WORKER_MASTER, impl("08-socketpair-fd-passing/prefork.ts"), impl("08-socketpair-fd-passing/worker.ts")]
    : [MASTER];
  const child = spawnTs(script, [...args, socketPath, String(workers)], { stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  let pending = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  });
  await readLine(child.stdout!, "the master's READY line (printed once every worker said it is ready)", { pattern: /^READY /, ...SLOW });
  return { child, pid: child.pid!, socketPath, lines, startupMs: performance.now() - started };
}

/** Live workers of the master: its children running worker.ts. */
function workersOf(masterPid: number): number[] {
  const found: number[] = [];
  for (const { pid } of processTable().filter((entry) => entry.ppid === masterPid && entry.state !== "Z")) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("worker.ts")) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found.sort((a, b) => a - b);
}

/** The inode of the listening socket bound to `socketPath`, from /proc/net/unix. */
function listeningInode(socketPath: string): number | undefined {
  for (const line of readFileSync("/proc/net/unix", "utf8").split("\n").slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const f = line.trim().split(/\s+/);
    if (f[7] === socketPath && f[3] === "00010000") return Number(f[6]);
  }
  return undefined;
}

function holdsSocket(pid: number, inode: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Where the process's main thread sleeps in the kernel (/proc/<pid>/wchan): "do_epoll_wait" when its event loop is idle. */
function kernelWait(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/wchan`, "utf8").trim();
  } catch {
    return "";
  }
}

interface Reply {
  pid: number;
  answer: string;
}

/** The pid in the master's "worker <pid> up" lines, in order. */
function workersUp(master: Master): number[] {
  return master.lines.flatMap((line) => {
    const pid = /^worker (\d+) up$/.exec(line)?.[1];
    return pid === undefined ? [] : [Number(pid)];
  });
}

/** One request: read the greeting, send a line, read the answer. Rejects with the connect error. */
function request(socketPath: string, text: string, timeoutMs = 10_000): Promise<Reply> {
  const done = new Promise<Reply>((resolve, reject) => {
    const socket = net.connect(socketPath);
    let received = "";
    socket.setEncoding("utf8");
    socket.on("error", reject);
    socket.on("data", (chunk: string) => {
      const first = received.length === 0 || !received.includes("\n");
      received += chunk;
      if (first && received.includes("\n")) socket.write(`${text}\n`);
    });
    socket.on("close", () => {
      const [greeting = "", answer = ""] = received.split("\n");
      const pid = /^hello from (\d+)$/.exec(greeting)?.[1];
      if (pid === undefined) reject(new Error(`the server closed the connection without greeting (got ${JSON.stringify(received)})`));
      else resolve({ pid: Number(pid), answer });
    });
  });
  return withTimeout(`an answer to "${text}" on ${socketPath}`, done, timeoutMs);
}

/** "connected", or the error code of a connect attempt. The connection is closed at once. */
function tryConnect(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

afterEach(() => {
  vi.useRealTimers();
});

// ---------------------------------------------------------------- tasks

describe("RestartBackoff", () => {
  const options = { baseMs: 100, maxMs: 1_000, stableMs: 5_000 };

  it("doubles the delay on each quick crash, up to maxMs", () => {
    let now = 0;
    const backoff = new RestartBackoff({ ...options, now: () => now });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      backoff.started();
      now += 50;
      delays.push(backoff.exited());
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("starts again from baseMs after a worker stayed up for stableMs", () => {
    let now = 0;
    const backoff = new RestartBackoff({ ...options, now: () => now });
    for (let i = 0; i < 3; i++) {
      backoff.started();
      now += 10;
      backoff.exited();
    }
    backoff.started();
    now += 5_000;
    expect(backoff.exited()).toBe(100);
  });

  it("measures uptime on the monotonic clock: a wall-clock jump is not uptime", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const backoff = new RestartBackoff(options);
    backoff.started();
    vi.setSystemTime(new Date("2030-01-01T01:00:00Z")); // NTP steps the clock an hour ahead
    expect(backoff.exited()).toBe(100);
    backoff.started();
    vi.setSystemTime(new Date("2030-01-01T02:00:00Z"));
    // Two crashes within milliseconds of real time: the second waits longer.
    expect(backoff.exited()).toBe(200);
  });

  it("rejects options that make no sense with a RangeError", () => {
    expectThrows(() => new RestartBackoff({ baseMs: 0, maxMs: 10, stableMs: 10 }), RangeError, "new RestartBackoff({ baseMs: 0, maxMs: 10, stableMs: 10 })");
    expectThrows(
      () => new RestartBackoff({ baseMs: 100, maxMs: 10, stableMs: 10 }),
      RangeError,
      "new RestartBackoff({ baseMs: 100, maxMs: 10, stableMs: 10 })",
    );
  });
});

describe("shareServer", () => {
  it(
    "every request is served by a worker, and the socket path keeps working",
    async () => {
      const master = await startMaster(3);
      const workers = workersOf(master.pid);
      expect(workers).toHaveLength(3);
      for (let i = 0; i < 12; i++) {
        const reply = await request(master.socketPath, `ping ${i}`);
        expect(reply.answer).toBe(`PING ${i}`);
        expect(workers).toContain(reply.pid);
      }
      expect(existsSync(master.socketPath), "the socket file must stay while the master runs").toBe(true);
    },
    PROCESS_TEST_MS,
  );

  it(
    "the master and every worker hold the same listening socket (one inode, passed with SCM_RIGHTS)",
    async () => {
      const master = await startMaster(2);
      const inode = listeningInode(master.socketPath);
      expect(inode, "no socket listens on the path: did the master close its server?").toBeDefined();
      expect(holdsSocket(master.pid, inode!), "the master must keep its listening socket open").toBe(true);
      for (const pid of workersOf(master.pid)) {
        expect(holdsSocket(pid, inode!), `worker ${pid} has no descriptor for socket:[${inode}]`).toBe(true);
      }
      expect(await tryConnect(master.socketPath)).toBe("connected");
    },
    PROCESS_TEST_MS,
  );
});

describe("restartWorkers", () => {
  it(
    "a worker killed with SIGKILL is replaced by a new one holding the socket",
    async () => {
      const master = await startMaster(2);
      const [victim, survivor] = workersOf(master.pid);
      process.kill(victim!, "SIGKILL");
      const replaced = await waitFor(
        "the master to start a replacement worker",
        () => {
          const now = workersOf(master.pid);
          return now.length === 2 && !now.includes(victim!) && now.includes(survivor!) && now;
        },
        { timeoutMs: budget(master) },
      );
      const fresh = replaced.find((pid) => pid !== survivor)!;
      // The right event: the worker told the master it serves (holding the
      // socket is not enough; a worker still loading its code holds it too).
      await waitFor(`the master to print "worker ${fresh} up"`, () => workersUp(master).includes(fresh), { timeoutMs: budget(master) });
      const inode = listeningInode(master.socketPath);
      expect(inode, "no socket listens on the path any more: did the master close its server?").toBeDefined();
      expect(holdsSocket(fresh, inode!), `the new worker ${fresh} said it is up but has no descriptor for the listening socket`).toBe(true);
      const reply = await request(master.socketPath, "after restart", budget(master));
      expect(reply.answer).toBe("AFTER RESTART");
    },
    PROCESS_TEST_MS,
  );

  it(
    "clients arriving all through a restart are all answered, even when a worker's code loads slowly",
    async () => {
      // Its workers take a while to load (fixtures/slow-loading-worker.ts).
      const master = await startMaster(1, { slowWorkers: true });
      const [victim] = workersOf(master.pid);
      const upBefore = workersUp(master).length;
      process.kill(victim!, "SIGKILL");
      await waitFor("the master to report the worker's death", () => master.lines.some((line) => line.includes(`worker ${victim} exited`)), {
        timeoutMs: budget(master),
      });
      // A steady stream of clients from now until after the new worker is up:
      // whichever process accepts each one must see that it is served.
      const replies: Promise<Reply | Error>[] = [];
      let sent = 0;
      const send = (): void => {
        const text = `client ${sent++}`;
        replies.push(request(master.socketPath, text, budget(master)).catch((err: Error) => err));
      };
      const stream = setInterval(send, 5);
      try {
        send();
        await waitFor("the replacement worker to be up", () => workersUp(master).length > upBefore, { timeoutMs: budget(master) });
        // A little more traffic after it is up: it now accepts on the socket too.
        const more = sent + 20;
        await waitFor("20 more clients to be sent", () => sent >= more, { timeoutMs: budget(master) });
      } finally {
        clearInterval(stream);
      }
      const results = await Promise.all(replies);
      const failed = results.flatMap((result, i) => (result instanceof Error ? [`client ${i}: ${result.message}`] : []));
      expect(
        failed,
        `${failed.length} of ${results.length} clients that arrived during the restart got no answer. ` +
          "A worker's Node accepts on the listening socket as soon as it receives it, even while the " +
          "worker's code is still loading; connections accepted before its handler is attached hang. " +
          "Hand a worker the server only once it can serve.",
      ).toEqual([]);
      for (const [i, result] of results.entries()) expect((result as Reply).answer).toBe(`CLIENT ${i}`);
    },
    PROCESS_TEST_MS,
  );

  it(
    "a client that arrives while the only worker is being restarted is served, not refused",
    async () => {
      const master = await startMaster(1);
      const [victim] = workersOf(master.pid);
      process.kill(victim!, "SIGKILL");
      await waitFor("the master to report the worker's death", () => master.lines.some((line) => line.includes(`worker ${victim} exited`)), {
        timeoutMs: budget(master),
      });
      // No worker is up now: the restart waits out its backoff.
      const reply = await request(master.socketPath, "during restart");
      expect(reply.answer).toBe("DURING RESTART");
      expect(reply.pid).not.toBe(victim);
      expect(reply.pid).not.toBe(master.pid);
    },
    PROCESS_TEST_MS,
  );
});

describe("gracefulShutdown", () => {
  it(
    "SIGTERM: new clients refused, the in-flight request finished, master exits 0",
    async () => {
      const master = await startMaster(2);
      const workers = workersOf(master.pid);
      // A client in flight: greeted by a worker, its request line not sent yet.
      const socket = net.connect(master.socketPath);
      socket.setEncoding("utf8");
      let received = "";
      socket.on("data", (chunk: string) => (received += chunk));
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.on("error", () => undefined);
      await waitFor("the in-flight client's greeting", () => received.includes("\n"));
      const serving = Number(/hello from (\d+)/.exec(received)?.[1]);

      process.kill(master.pid, "SIGTERM");
      const refusal = await waitFor(
        "new clients to be refused",
        async () => {
          const result = await tryConnect(master.socketPath);
          return result !== "connected" && result;
        },
        { timeoutMs: budget(master) },
      );
      expect(["ENOENT", "ECONNREFUSED"], "after SIGTERM a new client must be refused at once (the master closes its server)").toContain(refusal);
      expect(isAlive(serving), "the worker serving a client must wait for it").toBe(true);
      // The master has closed its server, so it has handled SIGTERM. Now it
      // either waits for its workers (its thread idle in epoll_wait) or, wrongly,
      // is on its way out: wait until one of the two shows.
      await waitFor("the master to wait for its workers (idle in epoll_wait) or to exit", () => !isAlive(master.pid) || /epoll/.test(kernelWait(master.pid)), {
        timeoutMs: budget(master),
      });
      expect(
        isAlive(master.pid),
        "the master exited while a worker was still finishing a client's request: shutdown must wait until every worker has exited",
      ).toBe(true);

      socket.write("last words\n");
      await withTimeout("the in-flight client's answer", closed, budget(master));
      expect(received.split("\n")[1], "the request in flight when SIGTERM came must still be answered").toBe("LAST WORDS");
      const status = await waitForExit(master.child, "the master to exit after SIGTERM, once its workers finished", budget(master));
      expect(status, "the master must exit with code 0 after a graceful shutdown").toEqual({ code: 0, signal: null });
      expect(existsSync(master.socketPath), "the socket file must be gone after shutdown").toBe(false);
      // The master must exit after its workers, not leave them behind.
      expect(workers.filter(isAlive)).toEqual([]);
      expect(workersOf(master.pid)).toEqual([]);
    },
    PROCESS_TEST_MS,
  );

  it(
    "SIGTERM with no client: everything exits, no worker left behind",
    async () => {
      const master = await startMaster(3);
      const workers = workersOf(master.pid);
      process.kill(master.pid, "SIGTERM");
      const status = await waitForExit(master.child, "the master to exit after SIGTERM", budget(master));
      expect(status, "the master must exit with code 0 after a graceful shutdown").toEqual({ code: 0, signal: null });
      expect(workers.filter(isAlive), "workers still alive after their master exited").toEqual([]);
    },
    PROCESS_TEST_MS,
  );
});

describe("noOrphans", () => {
  it(
    "workers exit by themselves when the master is killed with SIGKILL",
    async () => {
      const master = await startMaster(3);
      const workers = workersOf(master.pid);
      expect(workers).toHaveLength(3);
      process.kill(master.pid, "SIGKILL");
      await waitForExit(master.child, "the master to die");
      await waitFor(`workers ${workers.join(", ")} to exit after their master died`, () => workers.every((pid) => !isAlive(pid)), {
        timeoutMs: budget(master),
      });
    },
    PROCESS_TEST_MS,
  );
});

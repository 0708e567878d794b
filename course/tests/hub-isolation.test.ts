// Two learners of the workshop hub, as real system users with different uids: one must not
// read the other's files, signal their processes, connect to their Unix sockets or open their
// FIFOs. Each probe is also tried by the owner, so that a probe that cannot fail is caught.
// The accounts are made the way npm run hub makes them (private homes; its wrapper keeps the usual
// umask 022 and gives each learner a private TMPDIR in their home) and removed afterwards, even on failure. Runs only as root with JupyterHub installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAccounts, removeAccounts, type Account } from "../hub/accounts";
import { whyHubTestsCannotRun } from "../hub/harness";

const why = whyHubTestsCannotRun(false);
if (why !== undefined) console.log(`hub isolation tests skipped: ${why}`);
const NAMES = ["hubtest-iso-a", "hubtest-iso-b"];

// B's side: a file, a FIFO and a listening Unix socket, in B's home and in B's private TMPDIR
// (as the hub's wrapper sets them), then one line of JSON with B's pid, and wait for stdin to close.
const OWNER = `
const fs = require("node:fs"), net = require("node:net"), path = require("node:path"), cp = require("node:child_process");
process.umask(0o022);
const places = {};
fs.mkdirSync(process.env.TMPDIR, { recursive: true, mode: 0o700 });
for (const [where, dir] of [["home", process.env.HOME], ["tmp", process.env.TMPDIR]]) {
  const file = path.join(dir, "secret.txt"), fifo = path.join(dir, "fifo"), sock = path.join(dir, "sock");
  fs.writeFileSync(file, "B's work\\n");
  cp.execFileSync("mkfifo", [fifo]);
  places[where] = { file, fifo, sock };
}
let listening = 0;
for (const where of Object.keys(places)) {
  // A prober that hangs up at once resets the connection: that must not end B's process.
  net.createServer((c) => { c.on("error", () => {}); c.end("hello from B\\n"); }).listen(places[where].sock, () => {
    if (++listening === 2) console.log(JSON.stringify({ pid: process.pid, places }));
  });
}
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
`;

// Anyone's probe: try each operation on B's things, print one JSON line of outcomes ("ok" or the errno code).
const PROBE = `
const fs = require("node:fs"), net = require("node:net");
const target = JSON.parse(process.argv[1]);
const attempt = (f) => { try { f(); return "ok"; } catch (e) { return e.code ?? String(e); } };
const outcome = { signal: attempt(() => process.kill(target.pid, 0)) };
let pending = 0;
for (const [where, p] of Object.entries(target.places)) {
  outcome[where + " read"] = attempt(() => fs.readFileSync(p.file));
  outcome[where + " fifo"] = attempt(() => fs.closeSync(fs.openSync(p.fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)));
  pending++;
  const s = net.connect(p.sock);
  s.on("connect", () => { outcome[where + " connect"] = "ok"; s.destroy(); if (--pending === 0) done(); });
  s.on("error", (e) => { outcome[where + " connect"] = e.code; if (--pending === 0) done(); });
}
function done() { console.log(JSON.stringify(outcome)); }
`;

function asUser(account: Account, args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync("runuser", ["-u", account.name, "--", "env", `HOME=${account.home}`, process.execPath, ...args], {
    cwd: "/",
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe.skipIf(why !== undefined)("learners of the hub are isolated by uid", () => {
  let a: Account;
  let b: Account;
  let owner: ChildProcess | undefined;
  let target: { pid: number; places: Record<string, { file: string; fifo: string; sock: string }> };

  beforeAll(async () => {
    removeAccounts(NAMES);
    [a, b] = ensureAccounts(NAMES) as [Account, Account];
    owner = spawn("runuser", ["-u", b.name, "--", "env", `HOME=${b.home}`, `TMPDIR=${b.home}/.tmp`, process.execPath, "-e", OWNER], {
      cwd: "/",
      stdio: ["pipe", "pipe", "inherit"],
      detached: true,
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("B's process did not report ready within 60 s")), 60_000);
      createInterface({ input: owner!.stdout! }).once("line", (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      owner!.once("exit", (code) => reject(new Error(`B's process exited (code ${code}) before it was ready`)));
    });
    target = JSON.parse(firstLine) as typeof target;
  }, 120_000);

  afterAll(() => {
    if (owner?.pid !== undefined) {
      try {
        process.kill(-owner.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    removeAccounts(NAMES);
  }, 60_000);

  it("gives each learner a private home (0700) and a uid of their own", () => {
    expect(a.uid).not.toBe(b.uid);
    for (const account of [a, b]) {
      const mode = spawnSync("stat", ["-c", "%a %u", account.home], { encoding: "utf8" }).stdout.trim();
      expect(mode).toBe(`700 ${account.uid}`);
    }
  });

  it("lets B use B's own file, FIFO, socket and process (the probe can succeed)", () => {
    const result = asUser(b, ["-e", PROBE, JSON.stringify(target)]);
    const outcome = JSON.parse(String(result.stdout)) as Record<string, string>;
    expect(outcome).toEqual({
      signal: "ok",
      "home read": "ok",
      "home fifo": "ok",
      "home connect": "ok",
      "tmp read": "ok",
      "tmp fifo": "ok",
      "tmp connect": "ok",
    });
  });

  it("stops A from reading, signalling, connecting to or opening anything of B's", () => {
    const result = asUser(a, ["-e", PROBE, JSON.stringify(target)]);
    const outcome = JSON.parse(String(result.stdout)) as Record<string, string>;
    expect(outcome).toEqual({
      signal: "EPERM", // kill(2): another uid's process
      "home read": "EACCES", // B's home is 0700: A cannot even look inside
      "home fifo": "EACCES",
      "home connect": "EACCES",
      "tmp read": "EACCES", // B's TMPDIR is inside B's home, and 0700 itself
      "tmp fifo": "EACCES",
      "tmp connect": "EACCES",
    });
  });
});

// Given: grandchildren that leave the group come back to supd.
//
// A program that double-forks a grandchild into a new session (setsid) takes it
// out of its process group: signalling -pgid no longer reaches it. When the
// grandchild's parent dies, the kernel re-parents it to the nearest ancestor
// that called prctl(PR_SET_CHILD_SUBREAPER, 1), or to pid 1 when there is none.
// With supd a subreaper, every orphan of its programs becomes supd's child:
// whatever is supd's child and is not a program it started is such an escapee.
// supd marks each program's environment with SUPD_PROGRAM=<name>, inherited
// through fork and exec, to tell whose escapee it is.
//
// Node has no prctl() or waitpid(pid): libc is called through koffi (as in
// peercred.ts). libuv reaps only the children Node spawned; an adopted orphan
// is reaped here, one pid at a time (never waitpid(-1), which could steal the
// exit status of a program that Node is waiting for: libuv's own waitpid(pid)
// then finds nothing, and that child's "exit" event never comes).
//
// Reaped when? At once, like s6, tini or systemd: an adopted orphan that dies
// on its own is a zombie, dead but holding its pid and its process-table entry,
// until its parent (now supd) waits for it. The kernel sends SIGCHLD to the
// parent each time a child dies, an adopted one included (and when a zombie is
// adopted, already dead). Node lets supd listen to SIGCHLD next to libuv's own
// listener, which reaps the programs Node spawned; supd's listener reaps the
// rest. Signals of one kind coalesce (two deaths may bring one SIGCHLD), so
// each SIGCHLD looks at EVERY zombie child, not at one.
import { readdirSync, readFileSync } from "node:fs";
import type * as Koffi from "koffi";
import { readStat } from "./proc";

/** Each program's environment holds SUPD_PROGRAM=<its name>. */
export const PROGRAM_MARK = "SUPD_PROGRAM";

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;
/** How often killOrphans() looks again: a killed escapee's own children are adopted next. */
const ORPHAN_POLL_MS = 20;

interface Libc {
  prctl: (option: number, a2: number, a3: number, a4: number, a5: number) => number;
  waitpid: (pid: number, status: number[], options: number) => number;
}

let loading: Promise<Libc | undefined> | undefined;

function loadLibc(): Promise<Libc | undefined> {
  loading ??= import("koffi").then(
    (module) => {
      const koffi = (module as unknown as { default?: typeof Koffi }).default ?? module;
      const libc = koffi.load("libc.so.6");
      return {
        prctl: libc.func("int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)") as Libc["prctl"],
        waitpid: libc.func("int waitpid(int pid, _Out_ int *status, int options)") as Libc["waitpid"],
      };
    },
    () => undefined,
  );
  return loading;
}

/** The pids of the programs supd runs, read at each SIGCHLD (they change as programs restart). */
let ownChildren: () => ReadonlySet<number> = () => new Set();
let listening = false;

/**
 * Make supd a child subreaper, and reap each adopted orphan as soon as it dies.
 * `started` gives the pids of the programs Node spawned (Node reaps those itself).
 * False (say it!) when it cannot: escapees then go to pid 1.
 */
export async function becomeSubreaper(started: () => ReadonlySet<number>): Promise<boolean> {
  // tsx runs code without type-checking it: say clearly what is missing, before
  // a SIGCHLD finds out (an exception in a signal listener would end supd).
  if (typeof started !== "function") throw new TypeError("becomeSubreaper(programPids) needs the function that gives the pids of the programs supd started");
  const libc = await loadLibc();
  if (libc === undefined || libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) return false;
  ownChildren = started;
  if (!listening) {
    listening = true;
    // A listener for SIGCHLD does not keep supd alive (unlike a timer), and it
    // changes nothing for child_process: libuv still reaps Node's children and
    // reports their "exit". Both run on the same event loop, one after the other.
    process.on("SIGCHLD", () => reapZombies(libc, ownChildren()));
  }
  return true;
}

export interface Orphan {
  pid: number;
  /** The SUPD_PROGRAM of its environment: the program it escaped from (undefined if unmarked). */
  program: string | undefined;
}

/** This process's children that are not in `started` (the programs Node spawned): adopted orphans, live ones. */
export function adoptedOrphans(started: ReadonlySet<number>): Orphan[] {
  const orphans: Orphan[] = [];
  for (const child of childrenOf(process.pid)) {
    if (started.has(child)) continue;
    const stat = readStat(child);
    if (stat === undefined || stat.state === "Z") continue;
    orphans.push({ pid: child, program: markOf(child) });
  }
  return orphans;
}

/**
 * SIGKILL every adopted orphan that `which` selects (with its process group
 * when it leads one: it may have started children there), reap it, and go on
 * until none is left: a killed orphan's own children are adopted in turn.
 * Gives up after `timeoutMs` and returns the pids still there.
 */
export async function killOrphans(started: () => ReadonlySet<number>, which: (orphan: Orphan) => boolean, timeoutMs = 5000): Promise<number[]> {
  const libc = await loadLibc();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    reapZombies(libc, started());
    const orphans = adoptedOrphans(started()).filter(which);
    if (orphans.length === 0 || performance.now() > deadline) return orphans.map((o) => o.pid);
    for (const orphan of orphans) {
      const leader = readStat(orphan.pid)?.pgrp === orphan.pid;
      try {
        process.kill(leader ? -orphan.pid : orphan.pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, ORPHAN_POLL_MS));
  }
}

/**
 * waitpid(pid, WNOHANG) each zombie child that Node did not start (Node reaps
 * its own). A program's pid stays in `started` until Node has reaped it and
 * emitted "exit", so a program that just died is never taken from Node.
 * WNOHANG: never block the event loop (a pid reaped meanwhile gives ECHILD).
 */
function reapZombies(libc: Libc | undefined, started: ReadonlySet<number>): void {
  if (libc === undefined) return;
  for (const child of childrenOf(process.pid)) {
    if (!started.has(child) && readStat(child)?.state === "Z") libc.waitpid(child, [0], WNOHANG);
  }
}

/** The children of `pid`: every process whose parent it is (the per-thread children files of /proc miss orphans adopted by another thread; a scan does not). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const child = Number(entry);
    if (Number.isInteger(child) && readStat(child)?.ppid === pid) children.push(child);
  }
  return children;
}

function markOf(pid: number): string | undefined {
  try {
    const prefix = `${PROGRAM_MARK}=`;
    const entry = readFileSync(`/proc/${pid}/environ`, "utf8")
      .split("\0")
      .find((e) => e.startsWith(prefix));
    return entry?.slice(prefix.length);
  } catch {
    return undefined;
  }
}

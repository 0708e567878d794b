// /proc helpers for notebooks that watch other processes: who are a process's children, and is a
// process really asleep inside a given system call. Plumbing for demos, not a lab's answer.
// tslab compiles this file with TypeScript 5.0 into CommonJS (no import.meta, no top-level await).
import { readdirSync, readFileSync } from "node:fs";
import { processTable } from "../foundation/proc";
import { taskState, waitUntil, type TaskState } from "./index";

/**
 * The pids whose parent is `pid`, from a scan of the whole process table (see foundation/proc.ts).
 * /proc/<pid>/task/<tid>/children would be shorter, but it exists only on kernels built with
 * CONFIG_PROC_CHILDREN, and it lists the children of one thread only.
 */
export function childrenOf(pid: number): number[] {
  return processTable()
    .filter((entry) => entry.ppid === pid)
    .map((entry) => entry.pid)
    .sort((a, b) => a - b);
}

/** The command name of a process (/proc/<pid>/comm, at most 15 bytes), or null once it is gone. */
export function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** System call numbers for /proc/<pid>/syscall, on the two architectures learners have. */
const SYSCALL_NUMBERS: Record<string, Record<string, number>> = {
  x64: { openat: 257, read: 0, write: 1, futex: 202 },
  arm64: { openat: 56, read: 63, write: 64, futex: 98 },
};

/** The system call a sleeping task is in, by name, from /proc/<pid>/syscall; null when unknown or unreadable. */
export function syscallOf(pid: number): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/syscall`, "utf8").trim();
  } catch {
    return null; // the kernel hides it (no CONFIG_HAVE_ARCH_TRACEHOOK) or refuses it (ptrace access)
  }
  const number = Number(text.split(" ")[0]);
  const table = SYSCALL_NUMBERS[process.arch] ?? {};
  for (const [name, value] of Object.entries(table)) if (value === number) return name;
  return null;
}

export interface BlockedEvidence {
  state: TaskState;
  /** What showed it: "wchan wait_for_partner", "syscall openat (wchan hidden)" or "state S (this kernel hides wchan)". */
  evidence: string;
}

/** Does this kernel show us wchan at all? Some sleeping thread of our own always sleeps somewhere named. */
function wchanShown(): boolean {
  return readdirSync("/proc/self/task").some((tid) => {
    const s = taskState(process.pid, Number(tid));
    return s !== null && s.state === "S" && s.wchan !== "" && s.wchan !== "0";
  });
}

export interface SleepWanted {
  /** The kernel function the task must sleep in, e.g. /pipe|fifo/ for a reader waiting on a pipe. */
  wchan: RegExp;
  /** Where wchan is hidden: the system call it must be in ("read", "write", "openat"). */
  syscall?: string;
  /** The program it must be running (its comm), so a child that has not exec'd yet does not count. */
  command?: string;
}

/**
 * Wait until process `pid` sleeps (state S or D) inside a specific kernel wait: its wchan matches
 * `want.wchan`, or, where this task's wchan is hidden, /proc/<pid>/syscall names `want.syscall`. A
 * Node process that is only idle in its event loop also sleeps (in epoll_wait), and a task caught
 * between "going to sleep" and "asleep" shows S with wchan 0, so state S alone proves nothing; only
 * on a kernel that hides wchan from us altogether is it taken as enough.
 */
export function waitUntilSleepingIn(pid: number, what: string, want: SleepWanted, timeoutMs = 15_000): Promise<BlockedEvidence> {
  const wchanVisible = wchanShown();
  return waitUntil(
    `process ${pid} to sleep in ${what}`,
    () => {
      if (want.command !== undefined && commOf(pid) !== want.command.slice(0, 15)) {
        if (commOf(pid) === null) throw new Error(`process ${pid} exited while we waited for it to sleep in ${what}`);
        return null; // not exec'd yet
      }
      const state = taskState(pid);
      if (state === null) throw new Error(`process ${pid} exited while we waited for it to sleep in ${what}`);
      if (state.state !== "S" && state.state !== "D") return null;
      if (want.wchan.test(state.wchan)) return { state, evidence: `wchan ${state.wchan}` };
      const hidden = state.wchan === "" || state.wchan === "0";
      if (hidden && want.syscall !== undefined && syscallOf(pid) === want.syscall) return { state, evidence: `syscall ${want.syscall} (wchan hidden)` };
      if (hidden && !wchanVisible) return { state, evidence: "state S (this kernel hides wchan)" };
      return null;
    },
    { timeoutMs },
  );
}

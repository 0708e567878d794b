// /proc helpers for notebooks that watch other processes: who are a process's children, and is a
// process really asleep inside a given system call. Plumbing for demos, not a lab's answer.
// tslab compiles this file with TypeScript 5.0 into CommonJS (no import.meta, no top-level await).
import { readdirSync, readFileSync } from "node:fs";
import { taskState, waitUntil, type TaskState } from "./index";

/**
 * The pids whose parent is `pid`, found by reading every /proc/<pid>/stat (field 4 is the parent).
 * /proc/<pid>/task/<tid>/children would be shorter, but it exists only on kernels built with
 * CONFIG_PROC_CHILDREN, and it lists the children of one thread only.
 */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name (field 2) may hold spaces and ")": the fields after it start at the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(name));
    } catch {
      // It exited while we looked.
    }
  }
  return children.sort((a, b) => a - b);
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
  /** What showed it: "wchan wait_for_partner" or "syscall openat (wchan hidden)". */
  evidence: string;
}

/**
 * Wait until process `pid` sleeps (state S or D) inside a specific kernel wait: its wchan matches
 * `wchan`, or, on kernels that hide wchan, /proc/<pid>/syscall names `syscall`. A Node process
 * that is only idle in its event loop also sleeps (in epoll_wait), so state S alone proves nothing.
 */
export function waitUntilSleepingIn(pid: number, what: string, want: { wchan: RegExp; syscall: string }, timeoutMs = 15_000): Promise<BlockedEvidence> {
  return waitUntil(`process ${pid} to sleep in ${what}`, () => {
    const state = taskState(pid);
    if (state === null) throw new Error(`process ${pid} exited while we waited for it to sleep in ${what}`);
    if (state.state !== "S" && state.state !== "D") return null;
    if (want.wchan.test(state.wchan)) return { state, evidence: `wchan ${state.wchan}` };
    const hidden = state.wchan === "" || state.wchan === "0";
    if (hidden && syscallOf(pid) === want.syscall) return { state, evidence: `syscall ${want.syscall} (wchan hidden)` };
    return null;
  }, { timeoutMs });
}

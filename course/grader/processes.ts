// What a lab's run left behind, found in /proc. Every process the grader's
// vitest starts, and everything those start, inherits COURSE_RUN_ID=<id>; a
// process still carrying it after the run is a straggler: a child the lab code
// (or a test) never waited for, a daemon that escaped the test-kit's clean-up.
import { readdirSync, readFileSync } from "node:fs";
import { isAlive, pidsWithEnv, signalQuietly, waitUntil } from "../testkit/processes";
import { RUN_ID_VARIABLE } from "./run-env";

export interface Straggler {
  pid: number;
  command: string;
}

const MAX_COMMAND_LENGTH = 160;

/** The command line of a process, as `ps` would show it ("" when it is gone). */
export function commandOf(pid: number): string {
  try {
    const words = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((word) => word !== "");
    const command = words.join(" ");
    return command.length > MAX_COMMAND_LENGTH ? `${command.slice(0, MAX_COMMAND_LENGTH)}…` : command;
  } catch {
    return "";
  }
}

/** Live (not zombie) processes whose process group is `pgid`. */
export function livingGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the last ")": state ppid pgrp ...
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === pgid && isAlive(pid)) members.push(pid);
    } catch {
      // Exited while we looked.
    }
  }
  return members;
}

/** Kill a whole process group and wait until none of its members is alive. */
export async function killGroup(pgid: number, timeoutMs = 5_000): Promise<void> {
  signalQuietly(-pgid);
  await waitUntil(() => livingGroupMembers(pgid).length === 0, timeoutMs);
}

/** Find the processes still marked with this run's id, kill them, and say what they were. */
export async function killStragglers(runId: string, timeoutMs = 5_000): Promise<Straggler[]> {
  const found = pidsWithEnv(RUN_ID_VARIABLE, runId).filter(isAlive);
  // Name them before killing: a dead process has no command line.
  const stragglers = found.map((pid) => ({ pid, command: commandOf(pid) || "(exited while being named)" }));
  for (const { pid } of stragglers) signalQuietly(pid);
  await waitUntil(() => !found.some(isAlive), timeoutMs);
  return stragglers;
}

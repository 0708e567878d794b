// Learners' system accounts for a workshop hub: one real user per learner, so that the kernel
// keeps them apart by uid (the course's own lesson: another uid cannot read your files, signal
// your processes, or connect to your sockets and FIFOs).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync } from "node:fs";

export class AccountError extends Error {}

/** Names a system account can have, and that are safe in a shell and a URL. */
const NAME = /^[a-z_][a-z0-9_-]{0,30}$/;

/** learner01 … learnerNN (two digits at least, so that they sort). */
export function numberedLearners(count: number, prefix = "learner"): string[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, "0")}`);
}

/** A roster file: one user name a line; blank lines and # comments are skipped. */
export function readRoster(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new AccountError(`Cannot read the roster ${file}: ${(err as Error).message}`);
  }
  const names = text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "");
  const bad = names.filter((name) => !NAME.test(name));
  if (bad.length > 0)
    throw new AccountError(
      `The roster ${file} has names a Linux account cannot have: ${bad.join(", ")} (lower-case letters, digits, _ and -, starting with a letter)`,
    );
  if (names.length === 0) throw new AccountError(`The roster ${file} names no learners (one user name a line)`);
  return [...new Set(names)];
}

export interface Account {
  name: string;
  uid: number;
  home: string;
}

/** The account's passwd entry, or undefined when there is no such user. */
export function lookUp(name: string): Account | undefined {
  const entry = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  if (entry.status !== 0) return undefined;
  const fields = entry.stdout.trim().split(":");
  return { name, uid: Number(fields[2]), home: fields[5] ?? "" };
}

/** The lowest uid the system gives ordinary users (UID_MIN in /etc/login.defs). */
function firstUserUid(): number {
  const defs = existsSync("/etc/login.defs") ? readFileSync("/etc/login.defs", "utf8") : "";
  const match = /^UID_MIN\s+(\d+)/m.exec(defs);
  return match ? Number(match[1]) : 1000;
}

/**
 * Make sure each learner has an ordinary account with a private home (0700). An existing
 * account is reused (starting the hub twice is fine); a system account (root, daemons) never is.
 */
export function ensureAccounts(names: readonly string[]): Account[] {
  const minUid = firstUserUid();
  return names.map((name) => {
    let account = lookUp(name);
    if (account === undefined) {
      const made = spawnSync("useradd", ["--create-home", "--shell", "/bin/bash", "--comment", "course learner", name], { encoding: "utf8" });
      if (made.status !== 0) throw new AccountError(`useradd ${name} failed: ${made.stderr.trim() || `exit ${made.status}`}`);
      account = lookUp(name);
      if (account === undefined) throw new AccountError(`useradd ${name} reported success, but getent passwd ${name} finds no such user`);
    }
    if (account.uid < minUid)
      throw new AccountError(`${name} is a system account (uid ${account.uid}); learners need their own ordinary accounts: choose other names`);
    if (!existsSync(account.home))
      throw new AccountError(`${name}'s home ${account.home} does not exist; remove the account (userdel ${name}) or create its home`);
    chmodSync(account.home, 0o700);
    return account;
  });
}

/** Remove the accounts and their homes (the end of a workshop). Accounts that are gone are fine. */
export function removeAccounts(names: readonly string[]): string[] {
  const removed: string[] = [];
  for (const name of names) {
    if (lookUp(name) === undefined) continue;
    const gone = spawnSync("userdel", ["--remove", name], { encoding: "utf8" });
    // userdel exits 12 when the home could not be removed entirely (mail spool missing): the user is gone.
    if (gone.status !== 0 && lookUp(name) !== undefined)
      throw new AccountError(`userdel ${name} failed: ${gone.stderr.trim() || `exit ${gone.status}`} (are ${name}'s processes still running?)`);
    removed.push(name);
  }
  return removed;
}

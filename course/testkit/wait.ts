// Waiting for readiness, never sleeping and hoping. Every wait names what it
// waits for, so a timeout says what never happened.
import type { Readable } from "node:stream";
import type { ChildProcess } from "node:child_process";
import { assert } from "vitest";

export const DEFAULT_WAIT_MS = 10_000;

export class WaitTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.name = "WaitTimeout";
  }
}

/** Settle with `promise`, or fail after `ms` with a message naming `what`. */
export async function withTimeout<T>(what: string, promise: Promise<T>, ms = DEFAULT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Poll `probe` until it returns something other than undefined, null or false,
 * and return that. For state that has no event: a file appearing, /proc changing.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = DEFAULT_WAIT_MS, intervalMs = 20 } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (performance.now() >= deadline) throw new WaitTimeout(what, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Wait until `child` has exited and been reaped. */
export function waitForExit(child: ChildProcess, what = `process ${child.pid} to exit`, ms = DEFAULT_WAIT_MS): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return withTimeout(what, exited, ms);
}

/** Everything a stream produces until it ends, as text. */
export function readAll(stream: Readable, what = "the stream to end", ms = DEFAULT_WAIT_MS): Promise<string> {
  const chunks: Buffer[] = [];
  const done = new Promise<string>((resolve, reject) => {
    stream.on("data", (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
    stream.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.once("error", reject);
  });
  return withTimeout(what, done, ms);
}

/**
 * Resolve with the first line of `stream` that matches `pattern` (every line,
 * when no pattern is given). Lines are split on "\n"; the newline is dropped.
 */
export function readLine(
  stream: Readable,
  what = "a line of output",
  { pattern, timeoutMs = DEFAULT_WAIT_MS }: { pattern?: RegExp; timeoutMs?: number } = {},
): Promise<string> {
  let pending = "";
  let onData: (chunk: Buffer | string) => void = () => undefined;
  let onEnd: () => void = () => undefined;
  const found = new Promise<string>((resolve, reject) => {
    onData = (chunk) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!pattern || pattern.test(line)) return resolve(line);
      }
    };
    onEnd = () => reject(new Error(`the stream ended before ${what}`));
    stream.on("data", onData);
    stream.once("end", onEnd);
  });
  return withTimeout(what, found, timeoutMs).finally(() => {
    stream.off("data", onData);
    stream.off("end", onEnd);
  });
}

/** What `fn` throws (undefined when it returns), so a test can check the error's class and fields. Prefer expectThrows(). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** What `work` rejects with (undefined when it resolves). Prefer expectRejects(). */
export async function rejectionOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  return undefined;
}

type ErrorClass<E> = abstract new (...args: never[]) => E;

/** "RangeError: baseMs must be > 0", or what else was thrown, in one line. */
function describeThrown(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message.split("\n")[0]}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * The error `fn` throws, checked to be an `expected`. When it is not, the test
 * fails with a sentence: "expected parseStat(...) to throw RangeError, but it
 * returned normally" (or "... but it threw TypeError: ..."). `what` names the call.
 */
export function expectThrows<E>(fn: () => unknown, expected: ErrorClass<E>, what = "it"): E {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
    if (err instanceof expected) return err;
  }
  return assert.fail(
    thrown === undefined
      ? `expected ${what} to throw ${expected.name}, but it returned normally`
      : `expected ${what} to throw ${expected.name}, but it threw ${describeThrown(thrown)}`,
  );
}

/** Like expectThrows(), for a promise: "expected ... to reject with X, but it resolved normally". */
export async function expectRejects<E>(work: () => Promise<unknown>, expected: ErrorClass<E>, what = "it"): Promise<E> {
  let settled = "resolved normally";
  try {
    await work();
  } catch (err) {
    if (err instanceof expected) return err;
    settled = `rejected with ${describeThrown(err)}`;
  }
  return assert.fail(`expected ${what} to reject with ${expected.name}, but it ${settled}`);
}

// Talking to a child process from a notebook cell: read its output line by line with a bound,
// keep its stderr so the cell can show it, wait for its exit with a bound. Plumbing only, never a
// lab's answer. tslab compiles this file with TypeScript 5.0 into CommonJS (see index.ts).
import type { ChildProcess } from "node:child_process";

/**
 * Lines of a stream, in order, each waited for with a bound. A cell waits for the line a child
 * prints when it is ready ("listening", "READY 1234") instead of sleeping and hoping.
 */
export class LineReader {
  /** Every line read so far (also those taken by next()). */
  readonly seen: string[] = [];
  private readonly queue: string[] = [];
  private partial = "";
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    stream: NodeJS.ReadableStream,
    private readonly name: string,
  ) {
    stream.setEncoding?.("utf8");
    stream.on("data", (chunk: string | Buffer) => {
      this.partial += chunk.toString();
      let newline = this.partial.indexOf("\n");
      while (newline >= 0) {
        const line = this.partial.slice(0, newline);
        this.partial = this.partial.slice(newline + 1);
        this.seen.push(line);
        this.queue.push(line);
        newline = this.partial.indexOf("\n");
      }
      this.wake?.();
    });
    stream.on("end", () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** The next line, or an error that says what never came (the stream ended, or the bound passed). */
  async next(what: string, timeoutMs = 15_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const line = this.queue.shift();
      if (line !== undefined) return line;
      if (this.ended) throw new Error(`${this.name} ended its output before ${what}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${what} from ${this.name}, and it never came`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Skip lines until one matches `pattern`, and return it. */
  async until(pattern: RegExp, what: string, timeoutMs = 15_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const line = await this.next(what, Math.max(1, deadline - performance.now()));
      if (pattern.test(line)) return line;
    }
  }
}

/**
 * Keep what a child writes to stderr (spawn it with stderr "pipe"), so that the cell can print it.
 * With `stdio: "inherit"` it would go to the terminal that runs Jupyter, where nobody looks.
 */
export function keepStderr(child: ChildProcess): () => string {
  let text = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (text += chunk));
  return () => text;
}

/** Print a child's kept stderr into the cell, one "[name stderr]" line each, if there is any. */
export function printStderr(name: string, text: string): void {
  const trimmed = text.trimEnd();
  if (trimmed !== "")
    console.log(
      trimmed
        .split("\n")
        .map((line) => `[${name} stderr] ${line}`)
        .join("\n"),
    );
}

/** How a child ended: its exit code ("0", "1") or its signal ("SIGKILL"). Bounded: never hangs a cell. */
export function exitOf(child: ChildProcess, timeoutMs = 15_000): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(`${child.signalCode ?? child.exitCode}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(`${signal ?? code}`);
    });
  });
}

/** Kill a child started with `detached: true` and everything it started (its process group). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

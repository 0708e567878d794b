// Lab 08 tests: a worker script that fails as it starts. Restarting it with a
// backoff is right for a worker that crashes now and then; for one that never
// gets as far as "ready", `ready` must reject, saying so, instead of waiting
// forever while the master restarts it in a loop.
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { impl, isAlive, spawnTs, tempDir, waitFor, waitForExit } from "../../../course/testkit";

const CRASH_LOOP_MASTER = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "crash-loop-master.ts");
const PROCESS_TEST_MS = 60_000;
/** The master and its workers start Node with the TypeScript loader: generous, for a loaded machine. */
const START_MS = 30_000;
/** A master still restarting after this many deaths has missed the crash loop (2 workers, 3 each, and some slack). */
const TOO_MANY_EXITS = 12;

describe("restartWorkers", () => {
  it(
    "rejects `ready` with a clear error, and stops, when the workers die before they are ready again and again",
    async () => {
      const socketPath = path.join(realpathSync(tempDir("prefork-crash-")), "server.sock");
      const child = spawnTs(CRASH_LOOP_MASTER, [impl("08-socketpair-fd-passing/prefork.ts"), socketPath, "2"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const lines = (): string[] => output.split("\n");
      const exits = (): string[] => lines().filter((line) => /^worker \d+ exited/.test(line));

      // Done, or clearly never going to be: a wrong answer fails here at once.
      await waitFor(
        "the master to report that its workers cannot start (a REJECTED line), or to exit",
        () => lines().some((line) => line.startsWith("REJECTED ")) || child.exitCode !== null || exits().length >= TOO_MANY_EXITS,
        { timeoutMs: START_MS },
      );
      const what =
        child.exitCode !== null && !output.includes("REJECTED ")
          ? `the master exited (code ${child.exitCode}) without \`ready\` rejecting`
          : `\`ready\` never settled although every worker died before it was ready (${exits().length} deaths so far)`;
      expect(lines().find((line) => line.startsWith("REJECTED ")) ?? "(no REJECTED line)", `${what}. The master's output:\n${output}`).toMatch(
        /^REJECTED WorkerStartError: .*before they were ready.*crashing-worker\.ts/,
      );

      const status = await waitForExit(child, "the master to finish its shutdown after `ready` rejected", START_MS);
      expect(lines(), "shutdown() must resolve after `ready` rejected").toContain("STOPPED");
      expect(status.code).toBe(1);
      expect(exits().length, "workers started after `ready` had rejected").toBeLessThan(TOO_MANY_EXITS);
      expect(existsSync(socketPath), "the master stopped listening: its socket file is gone").toBe(false);
      const workerPids = exits().map((line) => Number(/^worker (\d+)/.exec(line)?.[1]));
      expect(
        workerPids.filter((pid) => isAlive(pid)),
        "workers left running",
      ).toEqual([]);
    },
    PROCESS_TEST_MS,
  );
});

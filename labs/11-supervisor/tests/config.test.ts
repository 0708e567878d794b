// Lab 11 tests, task "config": a bad config is refused whole, before anything starts.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@impl/11-supervisor/config";
import { tempDir, thrownBy } from "../../../course/testkit";
import { runSupdToExit, sh, TEST_MS, writeConfig } from "./harness";

describe("config", () => {
  it("lists every problem with its file, program and field, not just the first", () => {
    const dir = tempDir("supd-config-");
    const file = writeConfig(
      dir,
      {
        web: { command: "no-such-command-for-supd", startMs: -5 },
        worker: sh("true", { stopSignal: "SIGNOPE", cwd: "missing-dir" }),
        ok: sh("true"),
      },
      { colour: "blue", controlUid: "me" },
    );
    const err = thrownBy(() => loadConfig(file));
    expect(err, "loadConfig must throw a ConfigError for this config").toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map((p) => ({ file: p.file, program: p.program, field: p.field }));
    expect(problems).toEqual(
      expect.arrayContaining([
        { file, program: undefined, field: "colour" },
        { file, program: undefined, field: "controlUid" },
        { file, program: "web", field: "command" },
        { file, program: "web", field: "startMs" },
        { file, program: "worker", field: "stopSignal" },
        { file, program: "worker", field: "cwd" },
      ]),
    );
    expect(
      problems.filter((p) => p.program === "ok"),
      "the good program has no problem",
    ).toEqual([]);
    const message = (err as ConfigError).message;
    expect(message).toContain(file);
    for (const where of ["programs.web.command", "programs.web.startMs", "programs.worker.stopSignal", "programs.worker.cwd", "colour"]) {
      expect(message, `the message names ${where}`).toContain(where);
    }
  });

  it("fills in defaults and makes paths absolute, relative to the config file's folder", () => {
    const dir = tempDir("supd-config-");
    mkdirSync(path.join(dir, "work"));
    writeFileSync(path.join(dir, "tool.sh"), "#!/bin/sh\n", { mode: 0o755 });
    const file = writeConfig(dir, { tool: { command: "./tool.sh", cwd: dir }, web: sh("true", { cwd: "work", startRetries: 5 }) });
    const config = loadConfig(file);
    expect(config.socket).toBe(path.join(dir, "supd.sock"));
    expect(config.pidFile).toBe(path.join(dir, "supd.pid"));
    expect(config.logDir).toBe(path.join(dir, "logs"));
    const web = config.programs.find((p) => p.name === "web");
    expect(web).toMatchObject({
      args: ["-c", "true"],
      cwd: path.join(dir, "work"),
      startRetries: 5,
      stopSignal: "SIGTERM",
      autostart: true,
      autorestart: true,
    });
    expect(path.isAbsolute(web!.command), `command "${web!.command}" is resolved on PATH to an absolute path`).toBe(true);
    expect(config.programs.find((p) => p.name === "tool")?.command).toBe(path.join(dir, "tool.sh"));
  });

  it(
    "supd refuses a bad config before starting anything: exit 2, every problem, no stack trace",
    async () => {
      const dir = tempDir("supd-config-");
      const marker = path.join(dir, "started");
      // "early" is fine and would create the marker; "late" names a command that does not exist.
      const file = writeConfig(dir, {
        early: sh(`touch ${marker}; sleep 1000`),
        late: { command: "/no/such/program" },
        later: sh("true", { backoffMs: "fast" }),
      });
      const result = await runSupdToExit(file);
      expect(result.code, `supd's exit status (stderr: ${result.stderr})`).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain("programs.late.command");
      expect(result.stderr).toContain("programs.later.backoffMs");
      expect(result.stderr, "a user sees a message, not a stack trace").not.toMatch(/^\s+at /m);
      expect(existsSync(marker), "no program may start when the config is bad").toBe(false);
      expect(existsSync(path.join(dir, "supd.sock")), "no socket when the config is bad").toBe(false);
      expect(existsSync(path.join(dir, "supd.pid")), "no pid file when the config is bad").toBe(false);
    },
    TEST_MS,
  );
});

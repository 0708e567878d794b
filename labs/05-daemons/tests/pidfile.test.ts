// Lab 05 tests, task pidFile: write, read and judge a pid file.
// Every fact about a daemon is read from the kernel, in /proc. Shared helpers: helpers.ts.
import { readdirSync, readFileSync, watch as watchFolder, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BadPidFileError, daemonStatus, PidFileExistsError, readPidFile, writePidFile } from "@impl/05-daemons/pidfile";
import { expectThrows, hasCommand, impl, readLine, spawnTracked, tsNodeArgs, waitFor, waitForExit } from "../../../course/testkit";
import { cleanUpWorkspaces, DAEMON_TEST_MS, entryOf, pidFileText, watch, workspace, WRITE_PIDFILE } from "./helpers";

afterEach(cleanUpWorkspaces);

describe("pidFile", () => {
  it("writes '<pid>\\n<start time>\\n' and reads it back; a missing file reads as undefined", () => {
    const ws = workspace();
    writePidFile(ws.pidFile, { pid: 4242, startTime: 987654 });
    expect(readFileSync(ws.pidFile, "utf8")).toBe("4242\n987654\n");
    expect(readPidFile(ws.pidFile)).toEqual({ pid: 4242, startTime: 987654 });
    expect(readPidFile(path.join(ws.dir, "none.pid"))).toBeUndefined();
    expect(readdirSync(ws.dir), "no temporary file may be left behind").toEqual(["d.pid"]);
  });

  it("is exclusive: an existing pid file is never replaced", () => {
    const ws = workspace();
    writeFileSync(ws.pidFile, "1234\n5678\n");
    const error = expectThrows(
      () => writePidFile(ws.pidFile, { pid: 4242, startTime: 1 }),
      PidFileExistsError,
      "writePidFile() where a pid file already exists",
    );
    expect((error as Error).message).toContain(ws.pidFile);
    expect(readFileSync(ws.pidFile, "utf8")).toBe("1234\n5678\n");
    expect(readdirSync(ws.dir), "no temporary file may be left behind").toEqual(["d.pid"]);
  });

  it("is atomic: the pid file appears complete (written elsewhere, then linked or renamed into place)", async () => {
    const ws = workspace();
    // inotify (fs.watch) reports each change to a name in the folder, in order:
    // a file written in place shows a "change" under its final name; one
    // written elsewhere and then linked or renamed appears already complete.
    const events: string[] = [];
    const watcher = watchFolder(ws.dir, (event, name) => events.push(`${event} ${String(name)}`));
    try {
      writePidFile(ws.pidFile, { pid: 4242, startTime: 77 });
      // Events arrive in order: once the marker's shows up, all of writePidFile's have.
      writeFileSync(path.join(ws.dir, "marker"), "");
      await waitFor("inotify to report the test's marker file", () => events.some((event) => event.endsWith(" marker")));
    } finally {
      watcher.close();
    }
    expect(readFileSync(ws.pidFile, "utf8")).toBe("4242\n77\n");
    const name = path.basename(ws.pidFile);
    expect(
      events.filter((event) => event === `change ${name}`),
      "the pid file was written in place: for a moment it exists empty or half-written, and a reader takes it for a bad pid file. " +
        "Write it under another name in the same folder, then link() or rename() it into place",
    ).toEqual([]);
  });

  it.skipIf(!hasCommand("strace"))(
    "is atomic, as traced: no open() for writing of the pid file's name, then link() or rename() (needs strace)",
    async () => {
      const ws = workspace();
      const module = impl("05-daemons/pidfile.ts");
      const trace = path.join(ws.dir, "trace.txt");
      const node = [process.execPath, ...tsNodeArgs, WRITE_PIDFILE, module, ws.pidFile, "4242", "77"];
      const child = spawnTracked("strace", ["-f", "-qq", "-e", "trace=%file", "-o", trace, ...node]);
      const errors = watch(child.stderr!);
      const status = await waitForExit(child, "writePidFile in a child process", 30_000);
      expect(status.code, `the child failed:\n${errors.text()}`).toBe(0);
      expect(readFileSync(ws.pidFile, "utf8")).toBe("4242\n77\n");
      const calls = readFileSync(trace, "utf8")
        .split("\n")
        .filter((line) => line.includes(`"${ws.pidFile}"`));
      const openedForWriting = calls.filter((line) => /open(at)?\(/.test(line) && /O_WRONLY|O_RDWR|O_CREAT/.test(line));
      expect(openedForWriting, "the pid file was opened and written in place: a reader can see it empty").toEqual([]);
      expect(
        calls.some((line) => /^\d+\s+(link|linkat|rename|renameat|renameat2)\(/.test(line)),
        "the pid file never got its name by link() or rename(): write it under another name, then link or rename it into place",
      ).toBe(true);
    },
    DAEMON_TEST_MS,
  );

  it("rejects a file that is not a pid file, naming it", () => {
    const ws = workspace();
    for (const content of ["", "hello\n", "1234\n", "12 34\n", "-5\n100\n"]) {
      writeFileSync(ws.pidFile, content);
      const error = expectThrows(() => readPidFile(ws.pidFile), BadPidFileError, `readPidFile() of a pid file holding ${JSON.stringify(content)}`);
      expect((error as Error).message).toContain(ws.pidFile);
    }
  });

  it("daemonStatus: running, stopped, and stale for a dead pid, a reused pid or a bad file", async () => {
    const ws = workspace();
    expect(daemonStatus(ws.pidFile)).toEqual({ state: "stopped" });

    const me = entryOf(process.pid);
    writeFileSync(ws.pidFile, `${process.pid}\n${me.startTicks}\n`);
    expect(daemonStatus(ws.pidFile)).toEqual({ state: "running", pid: process.pid, startTime: me.startTicks });

    // Same pid, another start time: the pid was reused by an unrelated process.
    writeFileSync(ws.pidFile, `${process.pid}\n${me.startTicks + 1}\n`);
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale", pid: process.pid });

    const gone = spawnTracked(process.execPath, ["-e", ""]);
    await waitForExit(gone);
    writeFileSync(ws.pidFile, `${gone.pid}\n12345\n`);
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale", pid: gone.pid });

    writeFileSync(ws.pidFile, "garbage\n");
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale" });
  });

  it("daemonStatus: a zombie (exited, not yet reaped) is not running", async () => {
    const ws = workspace();
    // `sleep 0` exits at once; its parent becomes `sleep 30`, which never reaps it.
    const parent = spawnTracked("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"]);
    const zombie = Number(await readLine(parent.stdout!, "the zombie's pid"));
    await waitFor("the child to become a zombie", () => entryOf(zombie).state === "Z");
    writeFileSync(ws.pidFile, pidFileText(zombie));
    expect(daemonStatus(ws.pidFile)).toMatchObject({ state: "stale", pid: zombie });
  });
});

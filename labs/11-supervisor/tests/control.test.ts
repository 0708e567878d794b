// Lab 11 tests, task "control": the control socket and who may use it.
import { chownSync, chmodSync, lstatSync, mkdtempSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { encodeJsonFrame, FrameDecoder } from "@impl/11-supervisor/frames";
import type { Response } from "@impl/11-supervisor/protocol";
import { tempDir, waitForExit, withTimeout } from "../../../course/testkit";
import { ask, runSupdToExit, SUPD, sh, startSupd, statusOf, supctl, TEST_MS, waitForProgram, writeConfig } from "./harness";

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** A raw connection to supd, to send what supctl never would. */
class RawClient {
  readonly socket: net.Socket;
  private readonly decoder = new FrameDecoder(4 * 1024 * 1024);
  private readonly responses: Response[] = [];
  private waiting: ((r: Response) => void) | undefined;
  readonly closed: Promise<void>;

  constructor(path: string) {
    this.socket = net.connect(path);
    this.socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.socket.on("data", (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const response = JSON.parse(frame.toString("utf8")) as Response;
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(response);
        } else this.responses.push(response);
      }
    });
  }

  connected(): Promise<void> {
    return withTimeout("a connection to supd's socket", new Promise((resolve) => this.socket.once("connect", () => resolve())));
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  next(what: string): Promise<Response> {
    const queued = this.responses.shift();
    if (queued) return Promise.resolve(queued);
    return withTimeout(what, new Promise((resolve) => (this.waiting = resolve)));
  }
}

/** The first folder on the way to `file` that other users may not enter (or the file, if they may not read it); undefined when they can. */
function hiddenFromOthers(file: string): string | undefined {
  const parts = path.resolve(file).split(path.sep).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    if ((statSync(dir).mode & 0o001) === 0) return dir;
  }
  return (statSync(file).mode & 0o004) === 0 ? file : undefined;
}

function header(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(length);
  return b;
}

describe("control", () => {
  it(
    "the socket is private (0600) from the start and supctl drives supd through it",
    async () => {
      const dir = tempDir("supd-ctl-");
      const config = writeConfig(dir, { web: sh("exec sleep 1000", { startMs: 100 }), batch: sh("exec sleep 1000", { startMs: 100, autostart: false }) });
      const supd = await startSupd(config);
      const info = lstatSync(supd.socket);
      expect(info.isSocket()).toBe(true);
      expect((info.mode & 0o777).toString(8), "socket permissions: only supd's user may connect").toBe("600");
      expect(info.uid).toBe(process.getuid!());

      await waitForProgram(supd.socket, "web", "RUNNING", (p) => p.state === "RUNNING");
      const status = await supctl(["--socket", supd.socket, "status"]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/web\s+RUNNING/);
      expect(status.stdout).toMatch(/batch\s+STOPPED/);

      const start = await supctl(["--socket", supd.socket, "start", "batch"]);
      expect(start.code, start.stderr).toBe(0);
      await waitForProgram(supd.socket, "batch", "RUNNING", (p) => p.state === "RUNNING");

      const unknown = await supctl(["--socket", supd.socket, "stop", "nosuch"]);
      expect(unknown.code, "supd refused: exit 1").toBe(1);
      expect(unknown.stderr).toContain("nosuch");
    },
    TEST_MS,
  );

  it(
    "garbage, an oversized frame and a silent client cost only their own connection",
    async () => {
      const dir = tempDir("supd-ctl-");
      const supd = await startSupd(writeConfig(dir, { web: sh("exec sleep 1000", { startMs: 100 }) }));

      // A client that connects, starts a frame and stops in the middle: supd must serve everyone else at once.
      const silent = new RawClient(supd.socket);
      await silent.connected();
      silent.send(Buffer.concat([header(10), Buffer.from('{"cmd')]));
      expect(await ask(supd.socket, { cmd: "status" }), "status while a client sits on half a frame").toMatchObject({ ok: true });

      // Not JSON, then a JSON object that is no request: each answered with an error, the connection stays usable.
      const garbage = new RawClient(supd.socket);
      await garbage.connected();
      garbage.send(Buffer.concat([header(9), Buffer.from("not json!")]));
      expect(await garbage.next("supd's answer to a frame that is not JSON")).toMatchObject({ ok: false, code: "bad-request" });
      garbage.send(encodeJsonFrame({ cmd: "format-disk" }, 1024));
      expect(await garbage.next("supd's answer to an unknown command")).toMatchObject({ ok: false, code: "bad-request" });
      garbage.send(encodeJsonFrame({ cmd: "status" }, 1024));
      expect(await garbage.next("supd's answer to status after two bad requests")).toMatchObject({ ok: true });

      // A header announcing 100 MB: refused from the header alone, and that connection is closed.
      const huge = new RawClient(supd.socket);
      await huge.connected();
      huge.send(header(100 * 1024 * 1024));
      expect(await huge.next("supd's answer to an oversized frame")).toMatchObject({ ok: false, code: "too-large" });
      await withTimeout("supd to close the oversized client's connection", huge.closed);

      // Everyone else is still served.
      expect((await ask(supd.socket, { cmd: "status" })).ok).toBe(true);
      garbage.socket.destroy();
      // And the silent client does not hold its connection (and a file descriptor) forever.
      await withTimeout("supd to disconnect the client that stopped mid-frame (an idle timeout)", silent.closed, 30_000);
    },
    TEST_MS,
  );

  it(
    "a socket and pid file left by a killed supd do not block the next one; a live supd is never replaced",
    async () => {
      const dir = tempDir("supd-ctl-");
      const config = writeConfig(dir, { web: sh("exec sleep 1000", { startMs: 100 }) });
      const first = await startSupd(config);
      const web = await waitForProgram(first.socket, "web", "RUNNING", (p) => p.state === "RUNNING");
      first.child.kill("SIGKILL");
      await waitForExit(first.child);
      // Its program was orphaned; this test is about the socket, so clean it away.
      process.kill(-web.pid!, "SIGKILL");
      expect(lstatSync(first.socket).isSocket(), "SIGKILL left the socket file behind").toBe(true);

      const second = await startSupd(config);
      expect((await ask(second.socket, { cmd: "status" })).ok, "the new supd answers on the same path").toBe(true);

      // A third one, while the second lives: refused, and the second keeps its socket.
      const third = await supctl(["--socket", second.socket, "status"]);
      expect(third.code).toBe(0);
      const refused = await runSupdToExit(config);
      expect(refused.code, `a second supd must refuse to start (stderr: ${refused.stderr})`).toBe(1);
      expect(refused.stderr).toMatch(/already running/);
      expect(refused.stderr).not.toMatch(/^\s+at /m);
      expect((await ask(second.socket, { cmd: "status" })).ok, "the live supd still answers").toBe(true);
    },
    TEST_MS,
  );

  it(
    "answers only the allowed uid, checked with the peer's credentials (as a real other user too when run as root)",
    async () => {
      // For everyone: a supd told to serve only uid 65534 (controlUid) must refuse us, although
      // the socket's permissions let us in (it is ours): only SO_PEERCRED can tell.
      const own = tempDir("supd-ctl-");
      const refusing = await startSupd(writeConfig(own, { web: sh("exec sleep 1000", { startMs: 100 }) }, { controlUid: NOBODY }));
      const refused = await ask(refusing.socket, { cmd: "status" });
      expect(refused, `a request from uid ${process.getuid!()} to a supd that serves only uid ${NOBODY}`).toMatchObject({
        ok: false,
        code: "permission-denied",
      });
      const cli = await supctl(["--socket", refusing.socket, "stop", "web"]);
      expect(cli.code, "supctl exits 4 for permission denied").toBe(4);
      expect(cli.stderr).toMatch(/permission denied/);
      const web = await statusOf(refusing.socket, "web").catch(() => undefined);
      expect(web, "a refused client gets no status either").toBeUndefined();
      refusing.child.kill("SIGTERM");
      await waitForExit(refusing.child, "supd to exit after SIGTERM", 30_000);
      if (!isRoot) return; // Without root there is no other user to run supd or supctl as.
      const hidden = hiddenFromOthers(SUPD);
      if (hidden !== undefined) {
        // A course copied into a private folder (mkdtemp makes 0700 ones): nobody cannot run supd from it.
        console.log(`skipped the part as uid ${NOBODY}: ${hidden} is closed to other users, so supd cannot run as them from here`);
        return;
      }

      // As root: supd itself runs as nobody. Not tempDir(): the grader's TMPDIR is private to root.
      const dir = mkdtempSync("/tmp/supd-uid-");
      try {
        chmodSync(dir, 0o755);
        chownSync(dir, NOBODY, NOBODY);
        const config = writeConfig(dir, { web: sh("exec sleep 1000", { startMs: 100 }) });
        chownSync(config, NOBODY, NOBODY);
        // A TypeScript loader may keep a cache in TMPDIR (tsx does): give nobody one it may write to.
        const asNobody = { uid: NOBODY, gid: NOBODY, cwd: "/", env: { ...process.env, TMPDIR: dir } };
        const supd = await startSupd(config, { spawn: asNobody });
        // Root connects despite 0600; supd's default (its own uid) must refuse it.
        expect(await ask(supd.socket, { cmd: "status" }), "a request from uid 0 to a supd of uid 65534").toMatchObject({
          ok: false,
          code: "permission-denied",
        });
        const asOwner = await supctl(["--socket", supd.socket, "status"], asNobody);
        expect(asOwner.code, `supd's own user is served (stderr: ${asOwner.stderr})`).toBe(0);
        supd.child.kill("SIGTERM");
        await waitForExit(supd.child, "supd (as nobody) to exit after SIGTERM", 30_000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TEST_MS,
  );
});

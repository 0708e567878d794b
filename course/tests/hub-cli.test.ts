// npm run hub refuses bad configuration with a message that says what to do, and exit code 2,
// before it creates anything. (Starting it for real is the end-to-end test's part.)
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { courseRoot } from "../foundation/layout";
import { runCourseCommand } from "./helpers/course-command";

const isRoot = process.getuid?.() === 0;
const hasJupyterHub = (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir !== "" && existsSync(path.join(dir, "jupyterhub")));

const hub = (args: string[], env: NodeJS.ProcessEnv = process.env) => runCourseCommand(courseRoot, "hub.ts", args, { env });

describe("npm run hub: bad configuration", () => {
  it("wants the learners named, and a number it can use", async () => {
    expect((await hub([])).code).toBe(2);
    const bad = await hub(["--learners", "many"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--learners wants a whole number from 1 to 500, not "many"');
  });

  it.skipIf(isRoot)("says it must run as root (this test runs as an ordinary user)", async () => {
    const result = await hub(["--learners", "2"]);
    expect(result.code).toBe(2);
    expect(result.out).toContain("npm run hub must run as root");
    expect(result.out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.skipIf(!isRoot)("says how to install JupyterHub when it is missing (root)", async () => {
    const result = await hub(["--learners", "2"], { ...process.env, PATH: "/nonexistent" });
    expect(result.code).toBe(2);
    expect(result.out).toContain("apt-get install jupyterhub");
  });

  it.skipIf(!isRoot || !hasJupyterHub)("names a port in use and how to find its owner (root, JupyterHub installed)", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await hub(["--learners", "2", "--ip", "127.0.0.1", "--port", String(port), "--state", "/tmp/course-hub-cli-test-never-made"]);
      expect(result.code).toBe(2);
      expect(result.out).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(existsSync("/tmp/course-hub-cli-test-never-made")).toBe(false);
    } finally {
      server.close();
    }
  });
});

// The workshop hub end to end, as a learner meets it: npm run hub, then a real browser (Debian's
// Chromium) logs in, the hub spawns the learner's server (their own copy of the course, made on
// this first spawn), Run All in the welcome notebook with the course kernel, and
// `npm run grade -- 00` typed into a Jupyter terminal. Runs only as root with JupyterHub and
// Chromium installed (CI); everything it starts is stopped, and its account removed, even on failure.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookUp, removeAccounts } from "../hub/accounts";
import { inTerminal, launchBrowser, logIn, runAll, type HeadlessBrowser } from "../hub/drive";
import { startTestHub, whyHubTestsCannotRun, type TestHub } from "../hub/harness";
import type { Page } from "puppeteer-core";

const why = whyHubTestsCannotRun(true);
if (why !== undefined) console.log(`hub end-to-end tests skipped: ${why}`);
const LEARNER = "hubtest-e2e";

describe.skipIf(why !== undefined)("a learner at the workshop hub, through a real browser", () => {
  let hub: TestHub | undefined;
  let browser: HeadlessBrowser | undefined;
  let page: Page;

  beforeAll(async () => {
    removeAccounts([LEARNER]); // a fresh account: the first spawn must make the copy
    hub = await startTestHub([LEARNER]);
    browser = await launchBrowser(hub.scratch); // removed with the hub, by its lifeline if this process is killed
    page = await browser.browser.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    removeAccounts([LEARNER]);
  }, 120_000);

  it("logs in with the room's password; the hub spawns a server that opens the welcome notebook", async () => {
    await logIn(page, hub!.url, LEARNER, hub!.password, 180_000);
    expect(page.url()).toContain(`/user/${LEARNER}/notebooks/my-notebooks/00-welcome.ipynb`);
    const { status, json } = await hub!.api("GET", `/users/${LEARNER}`);
    expect(status).toBe(200);
    expect((json as { servers: Record<string, { ready: boolean }> }).servers[""]?.ready).toBe(true);
  }, 240_000);

  it("made the learner's own copy of the course: private, no solutions/", () => {
    const account = lookUp(LEARNER)!;
    const copy = path.join(account.home, "course");
    expect(statSync(account.home).mode & 0o777).toBe(0o700);
    expect(statSync(copy).uid).toBe(account.uid);
    expect(existsSync(path.join(copy, "labs", "00-welcome"))).toBe(true);
    expect(existsSync(path.join(copy, "my-notebooks", "00-welcome.ipynb"))).toBe(true);
    expect(existsSync(path.join(copy, "solutions"))).toBe(false);
  });

  it("runs the welcome notebook with the course kernel: every code cell ran, none shows an error", async () => {
    const { kernel, cells } = await runAll(page, 300_000);
    expect(kernel).toBe("unix-ipc-ts");
    expect(cells.length).toBeGreaterThan(3);
    expect(cells.filter((c) => !c.executed).map((c) => c.index)).toEqual([]);
    expect(cells.filter((c) => c.errors.length > 0).map((c) => `cell ${c.index}: ${c.errors.join("; ")}`)).toEqual([]);
    // The starter is untouched, so the lab cell says what the finished module would show.
    expect(cells.map((c) => c.text).join("\n")).toContain("npm run grade -- 00");
  }, 360_000);

  it("grades lab 00 from a Jupyter terminal, as the learner", async () => {
    const serverUrl = `${hub!.url}/user/${LEARNER}`;
    const { output } = await inTerminal(page, serverUrl, "cd ~/course && whoami && npm run grade -- 00", 300_000);
    expect(output).toContain(LEARNER);
    expect(output).toMatch(/lab 00\s+0\/9\s+0\/10/); // the untouched starter: graded, every test reported, none passing yet
  }, 360_000);
});

// A learner at the hub, driven through a real browser (Debian's Chromium, by puppeteer-core):
// log in, wait for the server, Run All in the welcome notebook, read its outputs, and type a
// command into a Jupyter terminal. Used by the hub's end-to-end test and its load test.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Debian's Chromium; puppeteer-core never downloads a browser of its own. */
export const CHROMIUM = "/usr/bin/chromium";

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

export interface HeadlessBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile, quiet on a machine with no network but loopback. The
 * profile goes in `profileParent`, the test hub's own folder (TestHub.scratch): it is removed with the
 * hub, even when the process that launched the browser is killed before it can close it.
 */
export async function launchBrowser(profileParent: string): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(path.join(profileParent, "chromium-profile-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    // Over a pipe, not a port: Chromium quits when the pipe closes, so it dies with the process that
    // launched it, even one that was SIGKILLed (over a port it ran on, with its crash handlers).
    pipe: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    browser,
    async close() {
      const pid = browser.process()?.pid;
      await browser.close().catch(() => undefined);
      if (pid !== undefined) {
        // puppeteer starts Chromium in a process group of its own; its crash handlers outlive it otherwise.
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // closed already
        }
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Log in on the hub's login page as a learner would; the hub spawns their server and, once it
 * answers, shows the welcome notebook. Resolves when the notebook's kernel is ready.
 */
export async function logIn(page: Page, hubUrl: string, user: string, password: string, timeoutMs: number): Promise<void> {
  await page.goto(`${hubUrl}/hub/login`, { waitUntil: "domcontentloaded", timeout: timeoutMs });
  await page.type("#username_input", user);
  await page.type("#password_input", password);
  await Promise.all([page.waitForNavigation({ waitUntil: "domcontentloaded", timeout: timeoutMs }), page.click("#login_submit")]);
  // The spawn-pending page reloads into the server's default URL, the welcome notebook.
  await page.waitForFunction(
    () => {
      const jupyter = (globalThis as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?: () => boolean } } } }).Jupyter;
      return jupyter?.notebook?.kernel?.is_connected?.() === true;
    },
    { timeout: timeoutMs, polling: 500 },
  );
}

export interface CellOutcome {
  index: number;
  executed: boolean;
  errors: string[];
  text: string;
}

interface NotebookCell {
  cell_type: string;
  input_prompt_number?: number | string | null;
  output_area?: { outputs: { output_type: string; ename?: string; evalue?: string; text?: string; data?: Record<string, string> }[] };
}

/** Cell > Run All from the menu, then wait until every code cell has its execution number. */
export async function runAll(page: Page, timeoutMs: number): Promise<{ kernel: string; cells: CellOutcome[] }> {
  await page.evaluate(() => {
    (globalThis as unknown as { document: { querySelector(selector: string): { click(): void } | null } }).document.querySelector("#run_all_cells a")?.click();
  });
  await page.waitForFunction(
    () => {
      const jupyter = (globalThis as unknown as { Jupyter: { notebook: { get_cells(): NotebookCell[]; kernel: { _msg_callbacks: Record<string, unknown> } } } })
        .Jupyter;
      const code = jupyter.notebook.get_cells().filter((c) => c.cell_type === "code");
      return code.length > 0 && code.every((c) => typeof c.input_prompt_number === "number");
    },
    { timeout: timeoutMs, polling: 500 },
  );
  return page.evaluate(() => {
    const jupyter = (globalThis as unknown as { Jupyter: { notebook: { get_cells(): NotebookCell[]; kernel: { name: string } } } }).Jupyter;
    const cells = jupyter.notebook
      .get_cells()
      .map((cell, index) => ({ cell, index }))
      .filter(({ cell }) => cell.cell_type === "code")
      .map(({ cell, index }) => {
        const outputs = cell.output_area?.outputs ?? [];
        return {
          index,
          executed: typeof cell.input_prompt_number === "number",
          errors: outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename ?? "?"}: ${o.evalue ?? ""}`),
          text: outputs.map((o) => o.text ?? o.data?.["text/plain"] ?? "").join(""),
        };
      });
    return { kernel: jupyter.notebook.kernel.name, cells };
  });
}

/**
 * Open a new terminal in the learner's server (what File > New > Terminal does), type a command
 * into it, and return what it printed up to its exit status.
 */
export async function inTerminal(notebookPage: Page, serverUrl: string, command: string, timeoutMs: number): Promise<{ status: number; output: string }> {
  // A tab of its own, as Jupyter opens terminals: leaving the notebook's tab would stop at its
  // "unsaved changes" prompt.
  const page = await notebookPage.browserContext().newPage(); // the same login (cookies) as the notebook
  try {
    return await typeInNewTerminal(page, serverUrl, command, timeoutMs);
  } finally {
    await page.close().catch(() => undefined);
  }
}

async function typeInNewTerminal(page: Page, serverUrl: string, command: string, timeoutMs: number): Promise<{ status: number; output: string }> {
  await page.goto(`${serverUrl}/terminals/new`, { waitUntil: "domcontentloaded", timeout: timeoutMs });
  const name = new URL(page.url()).pathname.split("/").pop() ?? "";
  const wsUrl = `${serverUrl.replace(/^http/, "ws")}/terminals/websocket/${name}`;
  const marker = `__course_status_${Date.now()}__`;
  const output = await page.evaluate(
    (url: string, line: string, mark: string, timeout: number) =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(url);
        let seen = "";
        const timer = setTimeout(() => {
          socket.close();
          reject(new Error(`the terminal did not finish within ${timeout / 1000} s; it printed:\n${seen.slice(-2000)}`));
        }, timeout);
        socket.onopen = () => socket.send(JSON.stringify(["stdin", `${line}; echo ${mark} $?\r`]));
        socket.onmessage = (event) => {
          const [kind, text] = JSON.parse(String(event.data)) as [string, string];
          if (kind !== "stdout") return;
          seen += text;
          // The echo of the typed line holds the marker too; the status line is the marker then digits.
          if (new RegExp(`${mark} \\d+`).test(seen)) {
            clearTimeout(timer);
            socket.close();
            resolve(seen);
          }
        };
        socket.onerror = () => reject(new Error(`could not connect to the terminal at ${url}`));
      }),
    wsUrl,
    command,
    marker,
    timeoutMs,
  );
  // What a person reads: without the terminal's colours and title sequences.
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, "");
  const status = Number(new RegExp(`${marker} (\\d+)`).exec(plain)?.[1] ?? "-1");
  return { status, output: plain };
}

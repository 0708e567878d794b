// Execute a notebook cell by cell through the course kernel, the way Jupyter
// does, and write the executed copy with its outputs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { registerCleanup } from "./cleanup";
import { Kernel, type KernelOptions } from "./kernel";
import { LeftoverWatch, type Leftover } from "./leftovers";
import { ownedPrefix, removeStaleFolders } from "./stale-folders";
import type { Message } from "./protocol";
import { readNotebook, text, type Cell, type DisplayOutput, type Notebook, type Output } from "./nbformat";
import { courseRoot } from "../foundation/layout";

export const EXECUTED_DIR = path.join(courseRoot, ".course", "notebooks");

export interface CellFailure {
  /** 1-based position of the cell in the notebook, as a reader counts them (0: the notebook as a whole). */
  cell: number;
  kind: "error" | "timeout" | "aborted" | "kernel died" | "left a process running" | "forbidden output" | "kernel";
  message: string;
}

export interface NotebookRun {
  notebook: string;
  codeCells: number;
  failures: CellFailure[];
  /** Where the executed copy was written. */
  executedCopy: string;
  durationMs: number;
  /** Processes the notebook left running (each also a failure); they were killed. */
  leftovers: Leftover[];
  /** How leftovers were found: the subreaper mechanism, or why there was none. */
  sweep: string;
}

interface CellResult {
  status: "ok" | "error" | "abort" | "timeout";
  outputs: Output[];
  executionCount: number | null;
}

/** Collects a cell's outputs from iopub messages, merging and updating like a front end. */
class OutputCollector {
  readonly outputs: Output[] = [];
  private readonly byDisplayId = new Map<string, DisplayOutput[]>();

  add(message: Message): void {
    const content = message.content;
    switch (message.header.msg_type) {
      case "stream": {
        const name = content.name === "stderr" ? "stderr" : "stdout";
        const last = this.outputs.at(-1);
        if (last?.output_type === "stream" && last.name === name) last.text += String(content.text);
        else this.outputs.push({ output_type: "stream", name, text: String(content.text) });
        break;
      }
      case "display_data":
      case "execute_result": {
        const output: DisplayOutput = {
          output_type: message.header.msg_type,
          data: (content.data ?? {}) as Record<string, unknown>,
          metadata: (content.metadata ?? {}) as Record<string, unknown>,
        };
        if (message.header.msg_type === "execute_result") output.execution_count = (content.execution_count as number) ?? null;
        this.outputs.push(output); // `transient` is for the live front end only: not saved
        const displayId = (content.transient as { display_id?: string } | undefined)?.display_id;
        if (displayId) this.byDisplayId.set(displayId, [...(this.byDisplayId.get(displayId) ?? []), output]);
        break;
      }
      case "update_display_data": {
        const displayId = (content.transient as { display_id?: string } | undefined)?.display_id;
        for (const output of this.byDisplayId.get(displayId ?? "") ?? []) {
          output.data = (content.data ?? {}) as Record<string, unknown>;
          output.metadata = (content.metadata ?? {}) as Record<string, unknown>;
        }
        break;
      }
      case "error":
        this.outputs.push({
          output_type: "error",
          ename: String(content.ename),
          evalue: String(content.evalue),
          traceback: (content.traceback as string[]) ?? [],
        });
        break;
      case "clear_output":
        this.outputs.length = 0;
        break;
    }
  }

  /** The cell's stderr, which is where tslab puts compile and runtime errors. */
  stderr(): string {
    return this.outputs
      .filter((o) => o.output_type === "stream" && o.name === "stderr")
      .map((o) => (o.output_type === "stream" ? o.text : ""))
      .join("");
  }
}

/** A cell's outcome, or the reason the kernel stopped answering (it died, it sent a bad signature). */
type Outcome = { kind: "finished"; result: CellResult } | { kind: "timeout"; result: CellResult } | { kind: "fault"; reason: string; result: CellResult };

async function executeCell(kernel: Kernel, code: string, timeoutMs: number): Promise<Outcome> {
  const collector = new OutputCollector();
  let status: CellResult["status"] | undefined;
  let executionCount: number | null = null;
  let idle = false;
  // execute_reply (shell) and status: idle (iopub) arrive in either order; wait for both.
  // stop_on_error false: the runner runs every cell, as `nbconvert --allow-errors` would.
  const finished = kernel.request(
    "shell",
    "execute_request",
    { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false },
    (m) => {
      if (m.header.msg_type === "execute_reply") {
        const replied = String(m.content.status);
        status = replied === "aborted" ? "abort" : (replied as CellResult["status"]);
        executionCount = (m.content.execution_count as number | undefined) ?? null;
      } else if (m.header.msg_type === "status") {
        idle = m.content.execution_state === "idle";
      } else {
        collector.add(m);
      }
      return status !== undefined && idle;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    finished.then(() => ({ kind: "finished" as const })),
    new Promise<{ kind: "timeout" }>((resolve) => (timer = setTimeout(() => resolve({ kind: "timeout" }), timeoutMs))),
    kernel.fault.then((reason) => ({ kind: "fault" as const, reason })),
  ]);
  clearTimeout(timer);
  const result = (fallback: CellResult["status"]): CellResult => ({ status: status ?? fallback, outputs: collector.outputs, executionCount });
  if (outcome.kind === "finished") {
    if (status === "error" && !collector.outputs.some((o) => o.output_type === "error")) {
      // A kernel that sends no `error` message (tslab alone did not): build one from its stderr.
      const lines = collector.stderr().trim().split("\n");
      const summary = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.find((line) => line.trim() !== "");
      collector.outputs.push({ output_type: "error", ename: "Error", evalue: summary ?? "the cell failed", traceback: lines });
    }
    return { kind: "finished", result: result("error") };
  }
  if (outcome.kind === "timeout") return { kind: "timeout", result: result("timeout") };
  return { kind: "fault", reason: outcome.reason, result: result("error") };
}

/** Text that must not appear in any output (the solutions pass forbids the notebook-kit's NOT_YET marker). */
export interface ForbiddenOutput {
  text: string;
  /** Why it must not appear, said in the failure. */
  why: string;
}

export interface RunOptions {
  /** Per-cell limit; a cell over it is interrupted and the notebook fails. */
  cellTimeoutMs?: number;
  outputDir?: string;
  /** The course folder the kernel runs in (a temporary copy with the solutions in labs/, say). */
  root?: string;
  forbid?: ForbiddenOutput;
  /** For tests: start this command instead of the course kernel. */
  kernelCommand?: KernelOptions["command"];
}

let running = false;

/**
 * Run every code cell of a notebook in a fresh course kernel, in a scratch folder of its own
 * (COURSE_SCRATCH) that is removed afterwards, whatever happens. One notebook at a time per
 * process: leftovers are found as this process's descendants.
 */
export async function runNotebook(file: string, options: RunOptions = {}): Promise<NotebookRun> {
  if (running) throw new Error("runNotebook runs one notebook at a time per process (leftovers are found among its descendants)");
  running = true;
  try {
    return await runAlone(file, options);
  } finally {
    running = false;
  }
}

async function runAlone(file: string, options: RunOptions): Promise<NotebookRun> {
  const { cellTimeoutMs = 120_000, outputDir = EXECUTED_DIR } = options;
  const started = performance.now();
  const notebook = readNotebook(file);
  const failures: CellFailure[] = [];
  removeStaleFolders();
  const scratch = mkdtempSync(path.join(os.tmpdir(), `${ownedPrefix("notebook")}${path.basename(file, ".ipynb")}-`));
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  const unregister = registerCleanup(removeScratch);
  const watch = new LeftoverWatch();
  let codeCells = 0;
  let leftovers: Leftover[] = [];
  let kernel: Kernel | undefined;
  try {
    kernel = await Kernel.start({ root: options.root, env: { COURSE_SCRATCH: scratch }, command: options.kernelCommand });
    await kernel.waitUntilReady(60_000);
    codeCells = await runCells(kernel, notebook, { cellTimeoutMs, forbid: options.forbid }, failures, watch);
    if (kernel.alive) leftovers = await watch.stillRunning(kernel.pid);
  } catch (err) {
    failures.push({ cell: 0, kind: "kernel", message: (err as Error).message });
  } finally {
    const kernelPid = kernel?.pid;
    await kernel?.shutdown();
    // With the kernel gone, its orphans were re-parented to us: they are leftovers too.
    const orphans = await watch.stillRunning(-1, 0);
    for (const orphan of orphans) if (!leftovers.some((l) => l.pid === orphan.pid)) leftovers.push(orphan);
    await watch.killAll(leftovers, (pid) => pid === kernelPid);
    removeScratch();
    unregister();
  }
  for (const leftover of leftovers) {
    failures.push({
      cell: leftover.cell ?? 0,
      kind: "left a process running",
      message: `pid ${leftover.pid}: ${leftover.command}\n(killed by the runner; stop what a cell starts before the notebook ends)`,
    });
  }
  failures.sort((a, b) => a.cell - b.cell); // in notebook order, as a reader goes through it
  mkdirSync(outputDir, { recursive: true });
  const executedCopy = path.join(outputDir, path.basename(file));
  writeFileSync(executedCopy, JSON.stringify(notebook, null, 1) + "\n");
  return { notebook: file, codeCells, failures, executedCopy, durationMs: performance.now() - started, leftovers, sweep: watch.subreaper.mechanism };
}

/** Run the cells in order, recording outputs and failures; returns how many code cells there were. */
async function runCells(
  kernel: Kernel,
  notebook: Notebook,
  { cellTimeoutMs, forbid }: { cellTimeoutMs: number; forbid?: ForbiddenOutput | undefined },
  failures: CellFailure[],
  watch: LeftoverWatch,
): Promise<number> {
  let codeCells = 0;
  for (const [index, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    codeCells++;
    const position = index + 1;
    const outcome = await executeCell(kernel, text(cell.source), cellTimeoutMs);
    record(cell, outcome.result);
    if (kernel.alive) watch.afterCell(position, kernel.pid);
    if (outcome.kind === "fault") {
      // Say so in the executed copy too, where a reader looks for what happened to this cell.
      cell.outputs = [...(cell.outputs ?? []), { output_type: "error", ename: "KernelDied", evalue: outcome.reason, traceback: [outcome.reason] }];
      failures.push({ cell: position, kind: "kernel died", message: `${outcome.reason} while running this cell; the cells after it did not run` });
      break;
    }
    if (outcome.kind === "timeout") {
      kernel.interrupt();
      failures.push({ cell: position, kind: "timeout", message: `no result after ${cellTimeoutMs / 1000} s; interrupted` });
      break; // the kernel is in an unknown state: stop here
    }
    const { result } = outcome;
    if (result.status === "abort") {
      failures.push({ cell: position, kind: "aborted", message: "not run: the kernel skipped it after an earlier error" });
    } else if (result.status === "error") {
      failures.push({ cell: position, kind: "error", message: errorText(result.outputs) });
    }
    if (forbid && result.outputs.some((o) => outputText(o).includes(forbid.text))) {
      failures.push({ cell: position, kind: "forbidden output", message: `printed "${forbid.text}": ${forbid.why}` });
    }
  }
  return codeCells;
}

function outputText(output: Output): string {
  if (output.output_type === "stream") return output.text;
  if (output.output_type === "error") return [output.evalue, ...output.traceback].join("\n");
  return JSON.stringify(output.data);
}

function record(cell: Cell, result: CellResult): void {
  cell.outputs = result.outputs;
  cell.execution_count = result.executionCount;
  for (const output of result.outputs) {
    if (output.output_type === "execute_result") output.execution_count = result.executionCount;
  }
}

function errorText(outputs: Output[]): string {
  const error = outputs.find((o) => o.output_type === "error");
  if (error?.output_type !== "error") return "the cell failed";
  const traceback = error.traceback.join("\n").trim();
  return traceback.includes(error.evalue) ? traceback : `${error.ename}: ${error.evalue}\n${traceback}`.trim();
}

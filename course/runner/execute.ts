// Execute a notebook cell by cell through the course kernel, the way Jupyter
// does, and write the executed copy with its outputs.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { courseRoot } from "../impl";
import { delay, Kernel } from "./kernel";
import type { Message } from "./protocol";
import { readNotebook, text, type Cell, type DisplayOutput, type Output } from "./nbformat";

export const EXECUTED_DIR = path.join(courseRoot, ".course", "notebooks");

export interface CellFailure {
  /** 1-based position of the cell in the notebook, as a reader counts them. */
  cell: number;
  kind: "error" | "timeout" | "aborted";
  message: string;
}

export interface NotebookRun {
  notebook: string;
  codeCells: number;
  failures: CellFailure[];
  /** Where the executed copy was written. */
  executedCopy: string;
  durationMs: number;
}

interface CellResult {
  status: "ok" | "error" | "abort" | "timeout";
  outputs: Output[];
  executionCount: number | null;
}

/** tslab refuses requests for ~200 ms after a failed cell; wait that out before the next one. */
const TSLAB_ABORT_WINDOW_MS = 300;

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

async function executeCell(kernel: Kernel, code: string, timeoutMs: number): Promise<CellResult> {
  const collector = new OutputCollector();
  let status: CellResult["status"] | undefined;
  let executionCount: number | null = null;
  let idle = false;
  // execute_reply (shell) and status: idle (iopub) arrive in either order; wait for both.
  const finished = kernel.request(
    "shell",
    "execute_request",
    { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false },
    (m) => {
      if (m.header.msg_type === "execute_reply") {
        status = m.content.status as CellResult["status"];
        executionCount = (m.content.execution_count as number | undefined) ?? null;
      } else if (m.header.msg_type === "status") {
        idle = m.content.execution_state === "idle";
      } else {
        collector.add(m);
      }
      return status !== undefined && idle;
    },
  );
  const inTime = await Promise.race([finished.then(() => true), delay(timeoutMs).then(() => false)]);
  if (!inTime) return { status: "timeout", outputs: collector.outputs, executionCount };
  if (status === "error" && !collector.outputs.some((o) => o.output_type === "error")) {
    // tslab sends no `error` message; build one from what the cell wrote to stderr.
    const stderr = collector.stderr().trim();
    const lines = stderr.split("\n");
    const summary = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.find((line) => line.trim() !== "");
    collector.outputs.push({ output_type: "error", ename: "Error", evalue: summary ?? "the cell failed", traceback: lines });
  }
  return { status: status ?? "error", outputs: collector.outputs, executionCount };
}

export interface RunOptions {
  /** Per-cell limit; a cell over it is interrupted and the notebook fails. */
  cellTimeoutMs?: number;
  outputDir?: string;
}

/** Run every code cell of a notebook in a fresh course kernel. */
export async function runNotebook(file: string, { cellTimeoutMs = 120_000, outputDir = EXECUTED_DIR }: RunOptions = {}): Promise<NotebookRun> {
  const started = performance.now();
  const notebook = readNotebook(file);
  const failures: CellFailure[] = [];
  const kernel = await Kernel.start();
  let codeCells = 0;
  try {
    await kernel.waitUntilReady(60_000);
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      codeCells++;
      const result = await executeCell(kernel, text(cell.source), cellTimeoutMs);
      record(cell, result);
      const position = index + 1;
      if (result.status === "timeout") {
        kernel.interrupt();
        failures.push({ cell: position, kind: "timeout", message: `no result after ${cellTimeoutMs / 1000} s; interrupted` });
        break; // the kernel is in an unknown state: stop here
      }
      if (result.status === "abort") {
        failures.push({ cell: position, kind: "aborted", message: "not run: the kernel skipped it after an earlier error" });
      } else if (result.status === "error") {
        failures.push({ cell: position, kind: "error", message: errorText(result.outputs) });
        await delay(TSLAB_ABORT_WINDOW_MS);
      }
    }
  } finally {
    await kernel.shutdown();
  }
  mkdirSync(outputDir, { recursive: true });
  const executedCopy = path.join(outputDir, path.basename(file));
  writeFileSync(executedCopy, JSON.stringify(notebook, null, 1) + "\n");
  return { notebook: file, codeCells, failures, executedCopy, durationMs: performance.now() - started };
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
  return error?.output_type === "error" ? error.traceback.join("\n").trim() || error.evalue : "the cell failed";
}

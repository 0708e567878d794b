// The parts of nbformat 4 the course reads and writes.
// https://nbformat.readthedocs.io/en/latest/format_description.html
import { readFileSync } from "node:fs";

export type MultilineText = string | string[];

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: string;
}
export interface DisplayOutput {
  output_type: "display_data" | "execute_result";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  execution_count?: number | null;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayOutput | ErrorOutput;

export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: MultilineText;
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown> & { kernelspec?: { name?: string } };
  nbformat: number;
  nbformat_minor: number;
}

export function text(source: MultilineText): string {
  return Array.isArray(source) ? source.join("") : source;
}

/** Read a notebook, with a clear error (what is wrong, what to do) when the file is not one this runner can run. */
export function readNotebook(file: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(
      `${file} is not a readable notebook: its JSON is broken (${(err as Error).message}). ` +
        `It may have been cut short or edited by hand; restore it (git checkout -- <file>) or re-save it from Jupyter.`,
      { cause: err },
    );
  }
  const nb = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Partial<Notebook> & { worksheets?: unknown };
  if (typeof nb.nbformat === "number" && nb.nbformat < 4) {
    throw new Error(
      `${file} is an nbformat ${nb.nbformat} notebook (an old Jupyter/IPython format); this course reads nbformat 4. ` +
        `Convert it: jupyter nbconvert --to notebook --nbformat 4 --output <new name> <file>`,
    );
  }
  if (!Array.isArray(nb.cells) || nb.nbformat !== 4) {
    throw new Error(`${file} is not an nbformat 4 notebook (no "cells" list, or "nbformat" is not 4)`);
  }
  return parsed as Notebook;
}

/** The problem `read` reports (its error message), or undefined when it reads fine. */
export function describeNotebookProblem(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

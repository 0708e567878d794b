// Progressive hints, per task: a nudge first, nearly the answer last. Which
// ones were shown is remembered in .course/hints.json, so that
// `npm run hint -- 04 lines` gives the next one each time it is asked.
import { type Chapter, type Task } from "../../manifest";
import { readState, writeState } from "../../grader/state";
import { wrap } from "./style";
import { labId } from "../../foundation/layout";

const HINTS_FILE = "hints.json";

/** "04-stdin-lines/lines" → the numbers (1-based) of that task's hints already shown. */
type HintsSeen = Record<string, number[]>;

const seenKey = (chapter: Chapter, task: Task): string => `${labId(chapter)}/${task.id}`;

/** The hints of this task already shown, by number. */
export function hintsSeen(chapter: Chapter, task: Task): Set<number> {
  const seen = readState<HintsSeen>(HINTS_FILE, {})[seenKey(chapter, task)];
  return new Set(Array.isArray(seen) ? seen.filter((n) => Number.isInteger(n)) : []);
}

export function markHintSeen(chapter: Chapter, task: Task, n: number): void {
  const all = readState<HintsSeen>(HINTS_FILE, {});
  all[seenKey(chapter, task)] = [...hintsSeen(chapter, task).add(n)].sort((a, b) => a - b);
  writeState(HINTS_FILE, all);
}

export interface HintChoice {
  task: Task;
  /** 1-based number of the hint to show. */
  n: number;
  total: number;
  text: string;
}

export function hintNumber(task: Task, n: number): HintChoice | undefined {
  const text = task.hints[n - 1];
  return text === undefined ? undefined : { task, n, total: task.hints.length, text };
}

/** The first hint of the task not yet shown, or undefined when every one has been shown. */
export function nextHint(chapter: Chapter, task: Task): HintChoice | undefined {
  const seen = hintsSeen(chapter, task);
  const index = task.hints.findIndex((_, i) => !seen.has(i + 1));
  return index < 0 ? undefined : hintNumber(task, index + 1);
}

/** `npm run hint -- 04 lines`: the command for the next hint of a task. */
export function hintCommand(chapter: Chapter, task: Task, n?: number): string {
  return `npm run hint -- ${chapter.number} ${task.id}${n === undefined ? "" : ` ${n}`}`;
}

/**
 * A hint as printed: which task and which hint, the text wrapped to `width`,
 * and what to do next: the hint command, or `again` ("Press h again") in a tool
 * with keys. Call after markHintSeen.
 */
export function formatHint(chapter: Chapter, choice: HintChoice, width: number, again?: string): string {
  const { task } = choice;
  const lines = [
    wrap(`Hint ${choice.n} of ${choice.total} for ${labId(chapter)}, task ${task.id}: ${task.title}`, width),
    "",
    wrap(choice.text, width, "  "),
    "",
  ];
  const following = nextHint(chapter, task);
  if (following) {
    const how = again === undefined ? `\`${hintCommand(chapter, task)}\` shows` : `${again} for`;
    lines.push(wrap(`Still stuck? ${how} hint ${following.n} of ${following.total}.`, width));
  } else if (again !== undefined) {
    lines.push(wrap(`You have seen every hint of this task. ${again} to see them again.`, width));
  } else {
    lines.push(wrap(`That was this task's last hint. See any again with \`${hintCommand(chapter, task)} <n>\` (1-${choice.total}).`, width));
  }
  return lines.join("\n");
}

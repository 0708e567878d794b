// The course manifest: the single source of truth for chapters, labs, tasks,
// points, hints and notebooks. The README table, the grader, the hints and
// the integrity check all read it.
import type { Chapter } from "./chapters/types";
import { labId } from "./foundation/layout";
import { chapter as welcome } from "./chapters/00-welcome";
import { chapter as processesThreads } from "./chapters/01-processes-threads";
import { chapter as forkSemantics } from "./chapters/02-fork-semantics";
import { chapter as pipes } from "./chapters/03-pipes";
import { chapter as stdinLines } from "./chapters/04-stdin-lines";
import { chapter as daemons } from "./chapters/05-daemons";
import { chapter as clocks } from "./chapters/06-clocks";
import { chapter as unixSockets } from "./chapters/07-unix-sockets";
import { chapter as socketpairFdPassing } from "./chapters/08-socketpair-fd-passing";
import { chapter as fifos } from "./chapters/09-fifos";
import { chapter as queues } from "./chapters/10-queues";
import { chapter as supervisor } from "./chapters/11-supervisor";

export type { Chapter, Lab, Task } from "./chapters/types";
export { SHORT_TITLE_MAX } from "./chapters/types";

export const chapters: Chapter[] = [
  welcome,
  processesThreads,
  forkSemantics,
  pipes,
  stdinLines,
  daemons,
  clocks,
  unixSockets,
  socketpairFdPassing,
  fifos,
  queues,
  supervisor,
];

/**
 * Find a chapter by what a learner types: "0", "00", "welcome" or "00-welcome".
 * Throws an error that lists the valid names.
 */
export function findChapter(name: string): Chapter {
  const wanted = name.trim().toLowerCase();
  const found = chapters.find(
    (c) => labId(c) === wanted || c.slug === wanted || c.number === wanted || (/^\d+$/.test(wanted) && Number(c.number) === Number(wanted)),
  );
  if (found) return found;
  const known = chapters.map((c) => `  ${labId(c)}  ${c.title}`).join("\n");
  throw new Error(`There is no lab called "${name}". The labs are:\n${known}\nUse the number ("00") or the folder name.`);
}

/**
 * A task of a lab by what a learner types: its id ("lines", any case) or its
 * number in the lab (1-based). Throws an error that lists the tasks.
 */
export function findTask(chapter: Chapter, name: string): Chapter["lab"]["tasks"][number] {
  const wanted = name.trim().toLowerCase();
  const tasks = chapter.lab.tasks;
  const byNumber = /^\d+$/.test(wanted) ? tasks[Number(wanted) - 1] : undefined;
  const found = byNumber ?? tasks.find((task) => task.id.toLowerCase() === wanted);
  if (found) return found;
  const known = tasks.map((task, i) => `  ${i + 1}  ${task.id.padEnd(20)} ${task.short}`).join("\n");
  throw new Error(`Lab ${labId(chapter)} has no task called "${name}". Its tasks are:\n${known}\nName one by its id or its number.`);
}

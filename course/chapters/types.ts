// The shape of the course manifest. Each chapter lives in its own file in
// this folder; `course/manifest.ts` lists them in order.

/** One graded part of a lab. Tests belong to it by their top-level `describe(id)`. */
export interface Task {
  id: string;
  /** What the task asks, in full: the grade report and the hints use it. */
  title: string;
  /** At most SHORT_TITLE_MAX characters: the score table's row (it must fit an 80-column terminal). */
  short: string;
  points: number;
  /** Progressive hints for this task: a nudge first, nearly the answer last, never the answer itself. */
  hints: string[];
}

/** The longest `short` title that keeps the score table within 80 columns. */
export const SHORT_TITLE_MAX = 30;

export interface Lab {
  /** Starter modules with TODOs, relative to `labs/<dir>/`; `solutions/<dir>/` has the same files. */
  files: string[];
  tasks: Task[];
  /**
   * The grader stops the lab's whole run after this many seconds (default 120). Sized so the model
   * solution passes on a machine with both cores busy: at least 4 times its grading time measured
   * with two busy-loop hogs on 2 cores, and never under 60 s. A wrong answer that waits forever is
   * caught sooner by the tests' own, event-driven limits.
   */
  timeLimitSeconds?: number;
}

export interface Chapter {
  /** Two digits: "00", "01", ... */
  number: string;
  /** Folder and notebook name after the number: "welcome" gives `labs/00-welcome/`, `notebooks/00-welcome.ipynb`. */
  slug: string;
  title: string;
  /** One line for the README's chapter table. */
  summary: string;
  lab: Lab;
}

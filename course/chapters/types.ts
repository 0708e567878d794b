// The shape of the course manifest. Each chapter lives in its own file in
// this folder; `course/manifest.ts` lists them in order.

/** One graded part of a lab. Tests belong to it by their top-level `describe(id)`. */
export interface Task {
  id: string;
  title: string;
  points: number;
}

export interface Lab {
  /** Starter modules with TODOs, relative to `labs/<dir>/`; `solutions/<dir>/` has the same files. */
  files: string[];
  tasks: Task[];
  /** Progressive hints: a nudge first, nearly the answer last. */
  hints: string[];
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

// A benchmark compares two things measured side by side in one run, so the
// machine's noise hits both alike. It reports a ratio and the goal it aims for.

export interface BenchResult {
  /** What was compared, e.g. "lines() vs node:readline, 256 MB". */
  name: string;
  /** ours / peer, oriented so that bigger is better (e.g. peer time / our time); NaN when the peer could not be measured (not installed). */
  ratio: number;
  /** The goal for the ratio, e.g. 1.0 for "at least as fast". */
  goal: number;
  /** The raw numbers behind the ratio, one line each. */
  details: string[];
}

export interface Benchmark {
  /** Lab folder or machinery part it belongs to: "04-stdin-lines", "grader". */
  id: string;
  run(): Promise<BenchResult>;
}

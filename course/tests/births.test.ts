// Which test (or which loading file) a process left running is blamed on, from its start time in
// /proc (ticks of 10 ms) against the test trace: course/grader/run-end.ts#attributeBirths.
import { describe, expect, it } from "vitest";
import type { GradeEvent } from "../grader/events";
import type { Straggler } from "../grader/processes";
import { attributeBirths } from "../grader/run-end";

const FILE = "labs/00-welcome/tests/stat.test.ts";

/** A file that loads from tick 100 to 105 in process 7, then runs one test from 105 to 120. */
function trace(withLoading = true): GradeEvent[] {
  const events: GradeEvent[] = [];
  if (withLoading) events.push({ type: "loading", pid: 7, ticks: 100 }, { type: "loaded", pid: 7, ticks: 105, file: FILE });
  events.push(
    { type: "started", pid: 7, at: 0, ticks: 105, file: FILE, path: ["parse", "reads a field"] },
    { type: "finished", from: "worker", pid: 7, ticks: 120, state: "fail", durationMs: 150, file: FILE, path: ["parse", "reads a field"] },
  );
  return events;
}

/** Where a process born at `ticks` is blamed: the tests running then, or the file loading then. */
function bornAt(ticks: number, events: GradeEvent[]): { during: string[] | null; loading: string | null } {
  const straggler: Straggler = { pid: 99, command: "sleep 300", startTicks: ticks };
  attributeBirths([straggler], events);
  return { during: straggler.bornDuring ?? null, loading: straggler.bornWhileLoading ?? null };
}

describe("attributeBirths", () => {
  it("blames the loading file for a process born while it loaded", () => {
    expect(bornAt(102, trace())).toEqual({ during: null, loading: FILE });
  });

  it("blames the first test when the end of loading and its start fall in the same 10 ms tick", () => {
    expect(bornAt(105, trace())).toEqual({ during: [`${FILE} > parse > reads a field`], loading: null });
  });

  it("blames the test for a process born in a later tick", () => {
    expect(bornAt(106, trace())).toEqual({ during: [`${FILE} > parse > reads a field`], loading: null });
  });

  it("blames the test for a process born in the tick it started when no file was loading", () => {
    expect(bornAt(105, trace(false))).toEqual({ during: [`${FILE} > parse > reads a field`], loading: null });
  });

  it("blames nothing for a process born after every test", () => {
    expect(bornAt(130, trace())).toEqual({ during: null, loading: null });
  });
});

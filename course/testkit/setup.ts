// Loaded by vitest before every lab test file: gives each test a fresh
// process marker and cleans up after it, whether it passed, failed or timed out.
import { afterAll, afterEach, beforeEach } from "vitest";
import { killTestProcesses, startTestMark } from "./processes";
import { removeTempDirs } from "./tmp";

let mark: string | undefined;

beforeEach(() => {
  mark = startTestMark();
});

afterEach(async () => {
  await killTestProcesses(mark);
  removeTempDirs();
});

afterAll(async () => {
  await killTestProcesses(mark);
  removeTempDirs();
});

// The test-kit shared by every lab's tests (never imported by solutions).
export { impl, isAlive, pidsWithEnv, spawnTracked, spawnTs, trackPid, tsNodeArgs } from "./processes";
export { tempDir } from "./tmp";
export { hasCommand } from "./tools";
export { expectRejects, expectThrows, readAll, readLine, rejectionOf, thrownBy, waitFor, waitForExit, withTimeout, WaitTimeout, DEFAULT_WAIT_MS } from "./wait";
export type { ExitStatus } from "./wait";
// The process table as /proc shows it (one parser for the whole course: course/foundation/proc.ts).
export { childrenOf, descendantsOf, isRunning, parseStatLine, processEntry, processTable, threadEntry } from "../foundation/proc";
export type { ProcessEntry } from "../foundation/proc";

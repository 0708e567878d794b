// Optional tools (faketime, strace, python3) that a learner's machine may lack.
// A test that needs one is written
//   it.skipIf(!hasCommand("faketime"))("... (needs faketime)", ...)
// with the title ending in "(needs <tool>)": the grader reports it as "not run
// here" and does not count it, and every bug it catches is also caught by a
// test that needs no tool.
export { hasCommand } from "../foundation/tools";

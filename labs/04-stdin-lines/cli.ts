// The `nl` command: number the lines of stdin. All the work is in nl.ts.
//
//   printf 'one\ntwo\n' | node --import tsx labs/04-stdin-lines/cli.ts
//
// (that runs your lab; `npm run grade -- 04` checks it).
//
// We set process.exitCode instead of calling process.exit(): when stdout is
// a pipe, Node writes to it asynchronously, and process.exit() would end the
// process before the last lines were written.
import { runNl } from "./nl";

void runNl(process.argv.slice(2), process.stdin, process.stdout, process.stderr).then((status) => {
  process.exitCode = status;
});

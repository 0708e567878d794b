// The master as a program: node master.ts <socket path> <workers>
//
// Prints "worker <pid> up" for each worker, "READY <pid>" once all serve, and
// on SIGTERM shuts down gracefully and exits 0.
import path from "node:path";
import { startPrefork } from "./prefork";

const [socketPath, countText] = process.argv.slice(2);
if (socketPath === undefined || countText === undefined) {
  process.stderr.write("usage: master.ts <socket path> <number of workers>\n");
  process.exit(2);
}

const prefork = startPrefork({
  socketPath,
  workers: Number(countText),
  // worker.ts sits next to this script (argv[1] is this script's path).
  workerScript: path.join(path.dirname(path.resolve(process.argv[1] ?? ".")), "worker.ts"),
  log: (line) => process.stdout.write(`${line}\n`),
});

prefork.ready.then(
  () => process.stdout.write(`READY ${process.pid}\n`),
  (err: Error) => {
    process.stderr.write(`master: ${err.message}\n`);
    process.exit(1);
  },
);

process.on("SIGTERM", () => {
  prefork.shutdown().then(
    () => {
      process.stdout.write("STOPPED\n");
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`master: shutdown failed: ${err.message}\n`);
      process.exit(1);
    },
  );
});

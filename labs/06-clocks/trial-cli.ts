// A tiny program with a trial period, built on trialStatus (nothing to fill in here).
//
//   node --import tsx labs/06-clocks/trial-cli.ts <state-file> [--tolerance-ms N] [--trial-days N]
//
// It prints the status as one line of JSON and exits with:
//   0 active, 2 expired, 3 clock set back, 4 corrupt state file, 64 bad usage.
// Try it under libfaketime to set its wall clock back:
//   faketime -f "-400d" node --import tsx labs/06-clocks/trial-cli.ts /tmp/trial.json
import { trialStatus, type TrialStatus } from "./trial";

const EXIT_CODES: Record<TrialStatus["verdict"], number> = {
  active: 0,
  expired: 2,
  "clock-set-back": 3,
  "corrupt-state": 4,
};

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: trial-cli.ts <state-file> [--tolerance-ms N] [--trial-days N]\n`);
  process.exit(64);
}

function numberAfter(args: string[], index: number, flag: string): number {
  const value = Number(args[index + 1]);
  if (args[index + 1] === undefined || !Number.isFinite(value)) usage(`${flag} needs a number`);
  return value;
}

const args = process.argv.slice(2);
let stateFile: string | undefined;
let toleranceMs: number | undefined;
let trialMs: number | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--tolerance-ms") toleranceMs = numberAfter(args, i++, arg);
  else if (arg === "--trial-days") trialMs = numberAfter(args, i++, arg) * 24 * 60 * 60 * 1000;
  else if (arg !== undefined && !arg.startsWith("--") && stateFile === undefined) stateFile = arg;
  else usage(`unexpected argument: ${arg}`);
}
if (stateFile === undefined) usage("missing the state file");

try {
  const status = trialStatus(stateFile, { toleranceMs, trialMs });
  process.stdout.write(JSON.stringify(status) + "\n");
  process.exitCode = EXIT_CODES[status.verdict];
} catch (err) {
  process.stderr.write(`trial-cli: ${(err as Error).message}\n`);
  process.exitCode = 1;
}

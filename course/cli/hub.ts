// npm run hub -- --learners N | --roster <file>: JupyterHub for a workshop, on this Linux machine.
// Each learner is a system user with a private home; on their first login they get their own
// copy of the course (the handout: no solutions/) in ~/course, the course kernel, and a terminal.
// Ctrl-C (or SIGTERM) stops the hub, its proxy and every learner's server.
import path from "node:path";
import { parseCommandLine, usageError, USAGE_ERROR, userPath } from "./lib/args";
import { AccountError, ensureAccounts, numberedLearners, readRoster, removeAccounts } from "../hub/accounts";
import {
  freeLoopbackPort,
  PreflightError,
  requireFreePort,
  requireJupyterHub,
  requireProxy,
  requireReachableForLearners,
  requireRoot,
  requireTraversable,
} from "../hub/preflight";
import { startHub, stopHub, waitUntilServing } from "../hub/run";
import { DEFAULT_STATE_DIR, prepareState } from "../hub/state";
import { courseRoot } from "../foundation/layout";

const USAGE = `Usage: sudo npm run hub -- (--learners N | --roster <file>) [options]

Starts JupyterHub for a workshop on this machine (run as root). Each learner is a system user
(made if missing) with their own copy of the course in ~/course on first login.
  --learners N        accounts learner01 … learnerNN
  --roster <file>     accounts named in <file>, one user name a line
  --password <word>   the room's shared password (default: made once, kept in the state folder)
  --pam               log in with the accounts' own system passwords instead (set them with passwd)
  --ip <address>      where learners connect (default 0.0.0.0: every interface; 127.0.0.1 for this machine only)
  --port <n>          (default 8000)
  --state <dir>       configuration, secrets and the shared course template (default ${DEFAULT_STATE_DIR})
  --remove-learners   delete the accounts and their homes (after the workshop), then exit`;

const { values, positionals } = parseCommandLine(
  {
    learners: { type: "string" },
    roster: { type: "string" },
    password: { type: "string" },
    pam: { type: "boolean" },
    ip: { type: "string" },
    port: { type: "string" },
    state: { type: "string" },
    "remove-learners": { type: "boolean" },
  },
  USAGE,
);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length > 0) usageError(`npm run hub takes flags only, not: ${positionals.join(" ")}`, USAGE);
if ((values.learners === undefined) === (values.roster === undefined))
  usageError("Name the learners: --learners N (learner01 …) or --roster <file>, one of the two.", USAGE);

function learnerNames(): string[] {
  if (values.roster !== undefined) return readRoster(userPath(values.roster));
  const count = Number(values.learners);
  if (!Number.isInteger(count) || count < 1 || count > 500) usageError(`--learners wants a whole number from 1 to 500, not "${values.learners}"`, USAGE);
  return numberedLearners(count);
}

const port = values.port === undefined ? 8000 : Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) usageError(`--port wants a port number (1-65535), not "${values.port}"`, USAGE);
if (values.pam === true && values.password !== undefined)
  usageError("--pam uses each account's own password; --password is for the shared-password login. Choose one.", USAGE);
if (values.password !== undefined && values.password.length < 8)
  usageError("--password wants at least 8 characters: the hub is reachable by everyone in the room's network.", USAGE);
const ip = values.ip ?? "0.0.0.0";
const stateDir = path.resolve(values.state === undefined ? DEFAULT_STATE_DIR : userPath(values.state));

/** A configuration problem: what was wrong and what to do, no stack trace, exit 2. */
function configError(message: string): never {
  console.error(message);
  process.exit(USAGE_ERROR);
}

async function main(): Promise<void> {
  let names: string[];
  try {
    names = learnerNames(); // a usage error first: it needs no privileges to be told
    requireRoot();
    if (values["remove-learners"]) {
      const removed = removeAccounts(names);
      console.log(
        removed.length === 0 ? "No such accounts: nothing to remove." : `Removed ${removed.length} account(s) and their homes: ${removed.join(", ")}`,
      );
      return;
    }
    requireJupyterHub();
    requireReachableForLearners(process.execPath);
    requireTraversable(stateDir);
    await requireFreePort(ip, port);
  } catch (err) {
    if (err instanceof PreflightError || err instanceof AccountError) configError(err.message);
    throw err;
  }
  let proxyCommand: string;
  try {
    proxyCommand = requireProxy(courseRoot);
  } catch (err) {
    configError((err as Error).message);
  }
  let accounts;
  try {
    accounts = ensureAccounts(names);
  } catch (err) {
    if (err instanceof AccountError) configError(err.message);
    throw err;
  }
  console.log(`Preparing the course for ${accounts.length} learner(s) in ${stateDir} …`);
  const state = prepareState(courseRoot, stateDir, {
    ip,
    port,
    hubPort: await freeLoopbackPort(),
    proxyApiPort: await freeLoopbackPort(),
    proxyCommand,
    authenticator: values.pam === true ? "pam" : "dummy",
    password: values.password,
    learners: names,
  });
  const hub = startHub(state);
  const uids = new Set(accounts.map((a) => a.uid));
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      console.log(`\n${why}: stopping the hub, its proxy and every learner's server …`);
      const killed = await stopHub(hub, state, uids);
      console.log(killed.length === 0 ? "Stopped; nothing was left running." : `Stopped; had to kill: ${killed.join(", ")}`);
    })();
    return stopping;
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => void stop(`${sig} received`).then(() => process.exit(0)));
  }
  try {
    await waitUntilServing(hub, 120_000);
  } catch (err) {
    console.error((err as Error).message);
    await stop("The hub did not start");
    process.exit(1);
  }
  const shown = ip === "0.0.0.0" ? `http://<this machine's address>:${port}` : `http://${ip}:${port}`;
  console.log(`
The workshop hub is running: ${shown}
  learners:  ${names.length <= 6 ? names.join(", ") : `${names.slice(0, 3).join(", ")} … ${names[names.length - 1]} (${names.length})`}
  password:  ${state.settings.authenticator === "dummy" ? `${state.settings.password}   (shared by the room; kept in ${state.dir}/password)` : "each account's own (PAM): set them with passwd"}
  admin API: token in ${state.dir}/api_token
Each learner's first login copies the course into their ~/course. Ctrl-C stops everything.`);
  const code = await hub.exited;
  if (stopping === undefined) {
    await stop(`jupyterhub exited (code ${code})`);
    process.exit(code === 0 ? 1 : code);
  }
}

void main();

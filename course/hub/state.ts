// The hub's state folder: the generated configuration, the secrets, and the template every
// learner's copy is made from (the handout, without solutions/, with node_modules installed once).
//   <state>/jupyterhub_config.py   the course's template (course/hub/jupyterhub_config.py)
//   <state>/settings.json          what npm run hub's flags chose (0600: holds the password)
//   <state>/singleuser.sh          the learners' server command (course/hub/singleuser.sh)
//   <state>/template/              the handout, read-only for learners
//   <state>/password, api_token    kept across restarts (0600)
//   <state>/jupyterhub.sqlite, cookie_secret, *.pid   JupyterHub's own
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildHandout } from "../handout/build";
import { syncWorkspace } from "../jupyter/workspace";
import { notebookPath } from "../foundation/layout";
import { chapters } from "../manifest";

export const DEFAULT_STATE_DIR = "/srv/unix-ipc-course-hub";

export interface HubSettings {
  ip: string;
  port: number;
  hubPort: number;
  proxyApiPort: number;
  proxyCommand: string;
  authenticator: "dummy" | "pam";
  password: string;
  learners: string[];
  apiToken: string;
  template: string;
  singleuserCommand: string;
  hideGlobs: string[];
  startTimeout: number;
}

export interface HubState {
  dir: string;
  configFile: string;
  settings: HubSettings;
}

/** A secret kept in the state folder: read if there, else made and written (0600). */
function keptSecret(file: string, make: () => string): string {
  if (existsSync(file)) {
    const kept = readFileSync(file, "utf8").trim();
    if (kept !== "") return kept;
  }
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** A password a room can read off a board: three groups of letters and digits, no look-alikes. */
export function roomPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((g) => g.join("")).join("-");
}

/**
 * The template: a handout of the course, node_modules copied from the course's install (the same
 * lockfile, no network), each learner's notebooks already in my-notebooks/, all read-only to
 * learners. Rebuilt at every start, so that it follows the course; copies already in learners'
 * homes are theirs and stay as they are.
 */
function buildTemplate(courseRoot: string, stateDir: string): string {
  const template = path.join(stateDir, "template");
  const fresh = path.join(stateDir, "template.new");
  rmSync(fresh, { recursive: true, force: true });
  buildHandout(courseRoot, fresh);
  cpSync(path.join(courseRoot, "node_modules"), path.join(fresh, "node_modules"), { recursive: true, verbatimSymlinks: true });
  // Vite's scratch folders belong in each learner's own node_modules, not in the shared one.
  for (const scratch of [".vite", ".vite-temp"]) rmSync(path.join(fresh, "node_modules", scratch), { recursive: true, force: true });
  syncWorkspace(fresh, chapters.map(notebookPath));
  const chmod = spawnSync("chmod", ["-R", "a+rX,go-w", fresh], { encoding: "utf8" });
  if (chmod.status !== 0) throw new Error(`chmod -R a+rX ${fresh} failed: ${chmod.stderr.trim()}`);
  rmSync(template, { recursive: true, force: true });
  renameSync(fresh, template);
  return template;
}

/** What the command line decides; the rest of HubSettings is made here. No password: one is made (and kept). */
export type StateOptions = Pick<HubSettings, "ip" | "port" | "hubPort" | "proxyApiPort" | "proxyCommand" | "authenticator" | "learners"> & {
  password: string | undefined;
};

export function prepareState(courseRoot: string, stateDir: string, options: StateOptions): HubState {
  const dir = path.resolve(stateDir);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // learners' servers read template/ and singleuser.sh; secrets are 0600
  const template = buildTemplate(courseRoot, dir);
  const singleuserCommand = path.join(dir, "singleuser.sh");
  copyFileSync(path.join(courseRoot, "course", "hub", "singleuser.sh"), singleuserCommand);
  chmodSync(singleuserCommand, 0o755);
  const configFile = path.join(dir, "jupyterhub_config.py");
  copyFileSync(path.join(courseRoot, "course", "hub", "jupyterhub_config.py"), configFile);
  chmodSync(configFile, 0o644);
  const passwordFile = path.join(dir, "password");
  if (options.password !== undefined) writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  const settings: HubSettings = {
    ip: options.ip,
    port: options.port,
    hubPort: options.hubPort,
    proxyApiPort: options.proxyApiPort,
    proxyCommand: options.proxyCommand,
    authenticator: options.authenticator,
    password: options.authenticator === "dummy" ? keptSecret(passwordFile, roomPassword) : "",
    learners: options.learners,
    apiToken: keptSecret(path.join(dir, "api_token"), () => randomBytes(32).toString("hex")),
    template,
    singleuserCommand,
    hideGlobs: ["__pycache__", "*.pyc", ".DS_Store", "node_modules", "notebooks"],
    startTimeout: 600,
  };
  writeFileSync(path.join(dir, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path.join(dir, "settings.json"), 0o600);
  return { dir, configFile, settings };
}

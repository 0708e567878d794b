// What must hold before a workshop hub can start; each failure says what to do.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, realpathSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";

export class PreflightError extends Error {}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new PreflightError(
      "npm run hub must run as root: it creates the learners' accounts and starts a server as each of them.\nRun it with sudo (sudo npm run hub -- …), on the machine that will host the workshop.",
    );
  }
}

/** JupyterHub 3 or newer (Debian's jupyterhub package), and its single-user command. */
export function requireJupyterHub(): string {
  const probe = spawnSync("jupyterhub", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new PreflightError(
      "JupyterHub is not installed (no `jupyterhub` on PATH).\nOn Debian or Ubuntu: sudo apt-get install jupyterhub   (then run npm run hub again)",
    );
  }
  const version = probe.stdout.trim();
  if (Number(version.split(".")[0]) < 3)
    throw new PreflightError(`JupyterHub ${version} is too old; the course needs 3.x or newer (Debian 12's jupyterhub package).`);
  const single = spawnSync("jupyterhub-singleuser", ["--version"], { encoding: "utf8" });
  if (single.error !== undefined || single.status !== 0) {
    throw new PreflightError(
      "jupyterhub-singleuser is missing or does not start (it comes with the jupyterhub package and needs the notebook package).\nOn Debian or Ubuntu: sudo apt-get install jupyterhub jupyter-notebook",
    );
  }
  return version;
}

/** The proxy from the course's own npm packages (Debian's breaks under another Node). */
export function requireProxy(courseRoot: string): string {
  const proxy = path.join(courseRoot, "node_modules", ".bin", "configurable-http-proxy");
  if (!existsSync(proxy))
    throw new PreflightError(
      `The hub's proxy (configurable-http-proxy) is not installed in ${path.join(courseRoot, "node_modules")}.\nRun npm install in the course folder, then npm run hub again.`,
    );
  return proxy;
}

/** Can a user who is neither the owner nor in the group run (x) or read (r) this path, all the way down? */
function othersMay(file: string, mode: "x" | "r"): string | undefined {
  const real = realpathSync(file);
  const parts = real.split(path.sep).filter((p) => p !== "");
  for (let i = 0; i <= parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join("/")}`;
    const perms = statSync(prefix).mode;
    const isTarget = i === parts.length;
    const needed = isTarget && mode === "r" ? 0o004 : 0o001;
    if ((perms & needed) === 0) return prefix;
  }
  return undefined;
}

/** Learners' servers run node (the kernel) and jupyterhub-singleuser as the learner. */
export function requireReachableForLearners(nodeBinary: string): void {
  const blocked = othersMay(nodeBinary, "x");
  if (blocked !== undefined) {
    throw new PreflightError(
      `Learners cannot run Node at ${nodeBinary}: ${blocked} is closed to other users.\nInstall Node where every user can run it (e.g. Debian's nodejs or NodeSource's package in /usr/bin), then run npm run hub again.`,
    );
  }
}

/** The state folder's parent must let learners through: their server reads the handout from there. */
export function requireTraversable(dir: string): void {
  let existing = path.resolve(dir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  const blocked = othersMay(existing, "x");
  if (blocked !== undefined)
    throw new PreflightError(
      `Learners could not reach the state folder ${dir}: ${blocked} is closed to other users.\nChoose another with --state (the default, /srv/unix-ipc-course-hub, is fine on most machines).`,
    );
  accessSync(existing, constants.W_OK);
}

/** Resolve when the port can be listened on; a port in use is a preflight error. */
export function requireFreePort(ip: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const why =
        err.code === "EADDRINUSE"
          ? "is already in use (another hub, or another server)"
          : err.code === "EADDRNOTAVAIL"
            ? "is not an address of this machine"
            : `cannot be used (${err.message})`;
      reject(
        new PreflightError(`Port ${port} on ${ip} ${why}.\nChoose another with --port, or stop what listens there (ss -ltnp 'sport = :${port}' shows it).`),
      );
    });
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** A port that was free a moment ago, on loopback (for the hub's internal API and the proxy's). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

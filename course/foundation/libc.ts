// The few libc calls Node does not offer (prctl, waitpid on one pid, fcntl), through koffi, an
// FFI package that ships prebuilt binaries (no compiler on the learner's machine). Everything
// here degrades to `null` where koffi or libc cannot be loaded; callers say what they lose.
import { createRequire } from "node:module";

export interface Libc {
  prctl: (option: number, a2: number, a3: number, a4: number, a5: number) => number;
  waitpid: (pid: number, status: number[], options: number) => number;
  /** fcntl(fd, cmd, int arg): the variadic form with one int. */
  fcntlInt: (fd: number, cmd: number, arg: number) => number;
}

let libc: Libc | null | undefined;

/** libc through koffi, or null where it cannot be loaded (not Linux, no koffi build for this platform). */
export function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return libc;
  try {
    const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
    const lib = koffi.load("libc.so.6");
    const fcntl = lib.func("int fcntl(int fd, int cmd, ...)") as (fd: number, cmd: number, type: string, arg: number) => number;
    libc = {
      prctl: lib.func("int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)") as Libc["prctl"],
      waitpid: lib.func("int waitpid(int pid, _Out_ int *status, int options)") as Libc["waitpid"],
      fcntlInt: (fd, cmd, arg) => fcntl(fd, cmd, "int", arg),
    };
  } catch {
    libc = null;
  }
  return libc;
}

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

/**
 * Mark `fd` close-on-exec, so that no program this process starts inherits it. Node opens its
 * own descriptors that way, but a descriptor a process inherited at a fixed number (stdio[3])
 * arrives without the flag, and libuv passes it on to every child. False when it cannot be set.
 */
export function closeOnExec(fd: number): boolean {
  const c = loadLibc();
  if (c === null) return false;
  const flags = c.fcntlInt(fd, F_GETFD, 0);
  if (flags < 0) return false;
  return c.fcntlInt(fd, F_SETFD, flags | FD_CLOEXEC) === 0;
}

// Given: who is on the other end of a connected Unix socket (SO_PEERCRED).
//
// The kernel records the pid, uid and gid of the process that called connect()
// (or socketpair()) and hands them to the other end on request: the client
// cannot lie about them. Node has no API for it, so libc's getsockopt() is
// called through koffi, a foreign-function package with prebuilt binaries.
//
//   struct ucred { pid_t pid; uid_t uid; gid_t gid; };     // <sys/socket.h>
//   getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &ucred, &len)
import type net from "node:net";
import type * as Koffi from "koffi";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

type GetPeerCred = (fd: number) => PeerCredentials | undefined;

let loading: Promise<GetPeerCred> | undefined;

/** libc's getsockopt bound once (a dynamic import: it compiles both as an ES module and as CommonJS). */
function loadGetPeerCred(): Promise<GetPeerCred> {
  loading ??= import("koffi").then((module) => {
    const koffi = (module as unknown as { default?: typeof Koffi }).default ?? module;
    const libc = koffi.load("libc.so.6");
    // Declares the struct type that the prototype below names (koffi looks it up by name).
    koffi.struct("ucred", { pid: "int32", uid: "uint32", gid: "uint32" });
    const getsockopt = libc.func("int getsockopt(int fd, int level, int optname, _Out_ ucred *optval, _Inout_ uint32_t *optlen)");
    return (fd: number) => {
      const out: Partial<PeerCredentials> = {};
      const length = [12];
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, out, length) !== 0) return undefined;
      return { pid: Number(out.pid), uid: Number(out.uid), gid: Number(out.gid) };
    };
  });
  return loading;
}

/** The file descriptor under a connected net.Socket (Node keeps it in a private handle). */
function socketFd(socket: net.Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

/**
 * The credentials of the process that connected `socket`, or undefined when
 * they cannot be read (the socket closed meanwhile, or libc is out of reach).
 * Callers must treat undefined as "refuse": unknown is not "allowed".
 */
export async function peerCredentials(socket: net.Socket): Promise<PeerCredentials | undefined> {
  let getPeerCred: GetPeerCred;
  try {
    getPeerCred = await loadGetPeerCred();
  } catch {
    return undefined;
  }
  const fd = socketFd(socket);
  return fd === undefined ? undefined : getPeerCred(fd);
}

import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "03",
  slug: "pipes",
  title: "Pipes and redirection",
  summary:
    "Redirection is dup2 between fork and exec; spawn's 'pipe' is a socketpair, a shell's | is a pipe; SIGPIPE and EPIPE; 64 KiB of backpressure; a runPipeline wired kernel-to-kernel that reports every stage.",
  lab: {
    timeLimitSeconds: 60,
    files: ["pipe.ts", "pipeline.ts"],
    tasks: [
      { id: "connect", title: "Wire a | b | c with kernel pipes; no byte through JavaScript, stderr apart", points: 6 },
      { id: "statuses", title: "Every stage's exit code or signal; yes | head -1 and a missing command end", points: 4 },
    ],
    hints: [
      "Draw the descriptors before you write code: for `a | b` there is one pipe; a's fd 1 must be its write end and b's fd 0 its read end. spawn's `stdio` array does the dup2 for you: `[fd for 0, fd for 1, fd for 2]`. Where do the bytes go if you use \"pipe\" and `.pipe()` them along?",
      "Use `makePipe()` from ./pipe for each connection: `{ readFd, writeFd }`. Stage i gets `stdio: [previousReadFd ?? options.stdin ?? \"ignore\", pipe.writeFd (or options.stdout for the last), options.stderr ?? \"inherit\"]`. stderr is never the pipe.",
      "After spawning a stage, close (`closeSync`) every pipe end you handed it: the child has its own copy now. A write end left open in the parent means the next stage never sees end-of-file; a read end left open means `yes` fills the pipe and blocks instead of dying of SIGPIPE.",
      "One promise per stage, resolved by whichever comes first: `child.once(\"exit\", (code, signal) => ...)` or `child.once(\"error\", (error) => ...)`. A command that does not exist emits \"error\" (code ENOENT) and never \"exit\". Return `Promise.all` of them all, in order, not only the last one.",
    ],
  },
};

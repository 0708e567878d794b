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
      {
        id: "connect",
        title: "Wire a | b | c with kernel pipes; no byte through JavaScript, stderr apart",
        short: "Wire a | b | c",
        points: 6,
        hints: [
          "Draw the descriptors before you write code: for `a | b` there is one pipe; a's fd 1 must be its write end and b's fd 0 its read end. Where do the bytes go if you use \"pipe\" and `.pipe()` them along?",
          "Use `makePipe()` from ./pipe for each connection: it gives `{ readFd, writeFd }`. spawn's `stdio` array does the dup2 for you: stage i reads from the previous pipe's read end (the first stage from options.stdin) and writes to the next pipe's write end (the last stage to options.stdout). stderr is never the pipe.",
          "After spawning a stage, close every pipe end you handed it: the child has its own copy now. A write end left open in the parent means the next stage never sees end-of-file; a read end left open means `yes` fills the pipe and blocks instead of dying of SIGPIPE. Refuse an empty pipeline or stage before spawning anything.",
        ],
      },
      {
        id: "statuses",
        title: "Every stage's exit code or signal; yes | head -1 and a missing command end",
        short: "Every stage's status",
        points: 4,
        hints: [
          "A pipeline's result is every stage's result, not only the last one's. What does a stage killed by a signal report, and what does a command that does not exist?",
          'One promise per stage, settled by whichever comes first: its "exit" event (code, signal) or its "error" event. A command that does not exist emits "error" (code ENOENT) and never "exit". Return them all, in order.',
          "If `yes | head -1` never ends, some process still holds the pipe's read end: the parent (see the connect task's last hint), or a stage that got it by mistake.",
        ],
      },
    ],
  },
};

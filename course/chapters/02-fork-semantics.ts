import type { Chapter } from "./types";

export const chapter: Chapter = {
  number: "02",
  slug: "fork-semantics",
  title: "Fork semantics: what a child inherits",
  summary:
    "Copied memory but shared descriptors: the notes' os.fork experiment, why Node spawns, what crosses spawn (env, cwd, fds, signals) read from /proc, and one open file description shared by parent and child.",
  lab: {
    timeLimitSeconds: 60,
    files: ["launch.ts", "inherited.ts", "child-writer.ts", "shared-fd.ts"],
    tasks: [
      { id: "launch", title: "launch(): exactly the fds, cwd and env asked for", points: 3 },
      { id: "readInherited", title: "readInherited(): what the child really has, from /proc/<pid>", points: 3 },
      { id: "childWriter", title: "The child writes through the fd 3 it was given", points: 1 },
      { id: "appendTogether", title: "appendTogether(): one shared offset, no overwrites, the child waited for", points: 3 },
    ],
    hints: [
      "Work in the order of the tasks. Whenever you doubt what a child got, look instead of guessing: while it runs, `ls -l /proc/<pid>/fd`, `readlink /proc/<pid>/cwd`, `tr '\\0' '\\n' < /proc/<pid>/environ`, `grep -E 'PPid|SigIgn' /proc/<pid>/status`. The notebook's cells do exactly this.",
      "launch(): spawn's `stdio` array is indexed by the child's fd number, so `{ 3: a, 5: b }` must become `[\"ignore\", \"ignore\", \"ignore\", a, \"ignore\", b]`. \"ignore\" is /dev/null for 0-2 and \"not opened\" from 3 up; \"pipe\" and \"inherit\" would give the child descriptors nobody asked for. `env` replaces the environment, so pass setup.env alone, not merged with process.env.",
      "readInherited(): everything comes from /proc/<pid>, nothing from `process`: the parent may have changed its env or cwd since, and the child kept its own copy. environ is \"NAME=value\\0\" entries: split on \"\\0\", then at the FIRST \"=\" only. SigIgn is 16 hex digits; bit n-1 set means signal n is ignored (Node's own mask, 0000000001001000, is signals 13 and 25). Turn ENOENT into `new NoSuchProcessError(pid)`.",
      "appendTogether(): the file is opened ONCE, in the parent, with \"w\". Give the child that very number: `stdio[3] = fd`. A second openSync() of the path, here or in the child, is a second open file description with its own offset, and someone's lines get overwritten. child-writer.ts is just `writeSync(3, line + \"\\n\")` per argument.",
      "Nearly the answer: `const fd = openSync(logPath, \"w\"); try { write before; const child = spawn(cmd, args, { stdio: [\"ignore\", \"ignore\", \"pipe\", fd] }); collect child.stderr; const [code, signal] = await new Promise((resolve, reject) => { child.once(\"error\", reject); child.once(\"close\", (c, s) => resolve([c, s])); }); if (code !== 0) throw new ChildFailedError(code, signal, stderr); write after; } finally { closeSync(fd); }`.",
    ],
  },
};

// The files of a new chapter, as `npm run course:new -- NN slug` writes them: the smallest
// chapter that passes `npm test -- NN` at once (one task, its test failing on the starter and
// passing on the solution, a notebook that runs), with every placeholder saying what to write.
import { randomBytes } from "node:crypto";
import { KERNEL_NAME } from "../jupyter/paths";

/** A new chapter's names, checked by the caller: "12", "signals" → "12-signals". */
export interface NewChapter {
  number: string;
  slug: string;
}

export const labIdOf = ({ number, slug }: NewChapter): string => `${number}-${slug}`;

/** The starter module every scaffolded lab begins with; rename it once the lab has its real shape. */
export const LAB_MODULE = "lab.ts";
const TASK_ID = "describeSelf";

/** File path (relative to the course root) → contents. The manifest is edited, not written here. */
export function chapterFiles(chapter: NewChapter): Map<string, string> {
  const dir = labIdOf(chapter);
  return new Map([
    [`course/chapters/${dir}.ts`, manifestEntry(chapter)],
    [`labs/${dir}/${LAB_MODULE}`, starter(chapter)],
    [`solutions/${dir}/${LAB_MODULE}`, solution(chapter)],
    [`labs/${dir}/tests/${TASK_ID}.test.ts`, test(chapter)],
    [`notebooks/${dir}.ipynb`, notebook(chapter)],
  ]);
}

const words = (slug: string): string => slug.split("-").join(" ");

function manifestEntry(chapter: NewChapter): string {
  return `import type { Chapter } from "./types";

// Scaffolded by \`npm run course:new\`: replace every placeholder below (title, summary, the task
// and its hints), then run \`npm run course:readme\` and \`npm test -- ${chapter.number}\`.
export const chapter: Chapter = {
  number: "${chapter.number}",
  slug: "${chapter.slug}",
  title: "Chapter ${chapter.number}: ${words(chapter.slug)} (placeholder title)",
  summary: "Placeholder: what the learner sees and builds in this chapter, in one line (the README's chapter table).",
  lab: {
    files: ["${LAB_MODULE}"],
    tasks: [
      {
        id: "${TASK_ID}",
        title: "Describe this process: its pid and its parent's (placeholder task)",
        short: "Describe this process",
        points: 10,
        hints: [
          "A nudge: which two numbers does every process have from the kernel, and where does Node show them? Look at the \`process\` object.",
          "Nearly the answer: \`process.pid\` and \`process.ppid\`, in the sentence the test expects: \\"pid <pid>, parent <ppid>\\".",
        ],
      },
    ],
  },
};
`;
}

function starter(chapter: NewChapter): string {
  return `// Lab ${chapter.number} (placeholder, scaffolded by \`npm run course:new\`): replace this module with the
// chapter's lab. Fill in the TODO below, then run \`npm run grade -- ${chapter.number}\`.
// Stuck? \`npm run hint -- ${chapter.number}\` gives a nudge; ask again for more.

/** "pid <this process's pid>, parent <its parent's pid>". */
export function describeSelf(): string {
  // TODO: return this process's pid and its parent's, as "pid 123, parent 45".
  throw new Error("TODO: describeSelf is not written yet");
}
`;
}

function solution(chapter: NewChapter): string {
  return `// Lab ${chapter.number}, the model answer (placeholder, scaffolded by \`npm run course:new\`).

/** "pid <this process's pid>, parent <its parent's pid>". */
export function describeSelf(): string {
  return \`pid \${process.pid}, parent \${process.ppid}\`;
}
`;
}

function test(chapter: NewChapter): string {
  return `// Lab ${chapter.number} tests (placeholder, scaffolded by \`npm run course:new\`). Each test sits in the
// describe() of its task; each fails on the untouched starter and passes on the solution.
import { describe, expect, it } from "vitest";
import { describeSelf } from "@impl/${labIdOf(chapter)}/${LAB_MODULE.replace(/\.ts$/, "")}";

describe("${TASK_ID}", () => {
  it("names this process's pid and its parent's", () => {
    expect(describeSelf(), "the sentence should name process.pid and process.ppid").toBe(\`pid \${process.pid}, parent \${process.ppid}\`);
  });
});
`;
}

/** An nbformat 4.5 notebook without outputs, every cell with its own id. */
function notebook(chapter: NewChapter): string {
  const dir = labIdOf(chapter);
  const cell = (cellType: "markdown" | "code", source: string): Record<string, unknown> => {
    const lines = source.split("\n").map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line));
    const common = { cell_type: cellType, id: randomBytes(4).toString("hex"), metadata: {}, source: lines };
    return cellType === "code" ? { ...common, execution_count: null, outputs: [] } : common;
  };
  const cells = [
    cell(
      "markdown",
      `# ${chapter.number} · ${words(chapter.slug)} (placeholder title)\n\nPlaceholder: what this chapter teaches and why it matters, in a few sentences. Then each section\nfollows the same rhythm: prose that explains, a small experiment, its observed output, what it means.`,
    ),
    cell(
      "markdown",
      "## A first experiment\n\nPlaceholder: say what the next cell asks the kernel, and ask the learner to predict the answer\nbefore running it.",
    ),
    cell(
      "code",
      `import { checkPrediction } from "./course/notebook-kit/index";\n\nconst kernelPid = process.pid;\ncheckPrediction("Is this kernel's pid above 1?", "yes", kernelPid > 1 ? "yes" : "no", kernelPid > 1);`,
    ),
    cell("markdown", "Placeholder: what the output means, for every outcome a learner can get on their machine."),
    cell(
      "markdown",
      `## Your lab\n\nOpen \`labs/${dir}/${LAB_MODULE}\` and replace the TODO. Until then the next cell says what the finished\nmodule will show; grade it with \`npm run grade -- ${chapter.number}\`.`,
    ),
    cell(
      "code",
      `import { tryLab } from "./course/notebook-kit/index";\nimport { describeSelf } from "./labs/${dir}/${LAB_MODULE.replace(/\.ts$/, "")}";\n\nawait tryLab("${dir}", () => console.log(describeSelf()), "this kernel's pid and its parent's");`,
    ),
  ];
  const metadata = {
    kernelspec: { name: KERNEL_NAME, display_name: "TypeScript (Unix IPC course)", language: "typescript" },
    language_info: { name: "typescript" },
  };
  return `${JSON.stringify({ cells, metadata, nbformat: 4, nbformat_minor: 5 }, null, 1)}\n`;
}

// The habits, as npm test steps: ESLint's rules (eslint.config.js, type-aware) and Prettier's
// layout (.prettierrc.json), on the whole course or on some of its files and folders (one
// chapter's, for `npm test -- NN`); each problem is one line. ESLint runs in this process, its
// type-aware rules reading the programs the type check built (project-programs.ts), exactly as
// `npm run lint` would with its own; Prettier runs from node_modules in a child.
import path from "node:path";
import { ESLint } from "eslint";
import { courseRoot } from "../foundation/layout";
import { binOf } from "../foundation/package-bin";
import { runNodeChild, type ChildStepResult, type NodeChildOptions } from "./node-child";
import { projectPrograms } from "./project-programs";

/** Every ESLint problem in `paths` (relative to the course root), as `file:line:col rule: message`. */
export async function lintProblems(paths: string[] = ["."]): Promise<string[]> {
  const { course, kernel } = projectPrograms();
  // The config's own `project` would make typescript-eslint build both programs again.
  const eslint = new ESLint({
    cwd: courseRoot,
    overrideConfig: { files: ["**/*.ts", "**/*.cjs"], languageOptions: { parserOptions: { programs: [course, kernel], project: false } } },
  });
  let results: ESLint.LintResult[];
  try {
    results = await eslint.lintFiles(paths);
  } catch (err) {
    return [`eslint could not run: ${(err as Error).message}`];
  }
  // Errors only, as ESLint's exit code counts them.
  const problems = results.flatMap((file) =>
    file.messages
      .filter((m) => m.severity === 2)
      .map(
        (m) => `${path.relative(courseRoot, file.filePath)}:${m.line ?? 0}:${m.column ?? 0} ${m.ruleId ?? "eslint"}: ${m.message.replace(/\s*\n\s*/g, " ")}`,
      ),
  );
  if (problems.length === 0) return [];
  return [...problems, `${problems.length} problem(s): fix them by hand, or \`npm run lint:fix\` for the ones ESLint can fix`];
}

const SHOWN_FILES = 20;

/** Every file in `paths` that Prettier would lay out differently (the first SHOWN_FILES of them, and how many), and Prettier's CPU time. */
export async function formatProblems(paths: string[] = ["."], child: NodeChildOptions = {}): Promise<ChildStepResult> {
  const { code, stdout, stderr, cpuSeconds } = await runNodeChild([binOf("prettier", "prettier"), "--list-different", ...paths], child);
  const result = (problems: string[]): ChildStepResult => ({ problems, notes: [], cpuSeconds });
  if (code === 0) return result([]);
  const files = stdout.split("\n").filter((line) => line.trim() !== "");
  if (code !== 1 || files.length === 0) return result([`prettier could not run (exit ${code}):`, ...stderr.trim().split("\n").slice(-30)]);
  const shown = files.slice(0, SHOWN_FILES).map((file) => `${file}: not formatted`);
  if (files.length > SHOWN_FILES) shown.push(`… and ${files.length - SHOWN_FILES} more (npm run format:check lists them all)`);
  // Formatting changes lab starters and tests, so the lab snapshot must be frozen again.
  return result([
    ...shown,
    `${files.length} file(s) not formatted: run \`npm run format\` (prettier --write .), then \`npm run course:freeze\`, review and commit`,
  ]);
}

// Static checks of the course's soundness, from the manifest outwards:
// every chapter has its notebook, starter, solution, tests and hints; notebooks
// are committed clean; starters have TODOs and export what solutions export.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type * as TS from "typescript";
import { ts } from "../foundation/typescript";
import { chapters, SHORT_TITLE_MAX, type Chapter } from "../manifest";
import { courseRoot, labFolder, labId, labTestFiles, notebookPath, solutionFolder } from "../foundation/layout";
import { KERNEL_NAME } from "../jupyter/paths";
import { readNotebook } from "../runner/nbformat";
import { projectPrograms } from "./project-programs";

export { KERNEL_NAME };
/** Hints per task: at least a nudge and a last step short of the answer. */
export const MIN_HINTS = 2;

function checkNotebook(chapter: Chapter): string[] {
  const file = notebookPath(chapter);
  if (!existsSync(path.join(courseRoot, file))) return [`${file}: missing (the manifest lists chapter ${chapter.number})`];
  const problems: string[] = [];
  const notebook = readNotebook(path.join(courseRoot, file));
  if (notebook.metadata.kernelspec?.name !== KERNEL_NAME) {
    problems.push(`${file}: kernelspec must be "${KERNEL_NAME}" (the course kernel)`);
  }
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type === "code" && ((cell.outputs?.length ?? 0) > 0 || cell.execution_count != null)) {
      problems.push(`${file}: cell ${i + 1} has outputs; commit notebooks without outputs`);
    }
    if (!cell.id) problems.push(`${file}: cell ${i + 1} has no id (nbformat 4.5)`);
  });
  return problems;
}

function checkLab(chapter: Chapter): string[] {
  const dir = labId(chapter);
  const problems: string[] = [];
  const { lab } = chapter;
  if (lab.files.length === 0) problems.push(`${dir}: the manifest lists no lab files`);
  if (lab.tasks.length === 0) problems.push(`${dir}: the manifest lists no tasks`);
  for (const task of lab.tasks) {
    if (task.hints.length < MIN_HINTS)
      problems.push(`${dir}: task ${task.id} has ${task.hints.length} hints; give at least ${MIN_HINTS}, from a nudge to nearly the answer`);
    if (task.short.length > SHORT_TITLE_MAX)
      problems.push(`${dir}: task ${task.id}'s short title is ${task.short.length} characters; at most ${SHORT_TITLE_MAX} fit the score table`);
  }
  if (lab.tasks.some((t) => !(t.points > 0))) problems.push(`${dir}: every task needs points > 0`);
  if (labTestFiles(chapter).length === 0) problems.push(`${labFolder(chapter)}/tests: no *.test.ts files`);
  let todos = 0;
  for (const file of lab.files) {
    const starter = path.join(courseRoot, labFolder(chapter), file);
    const solution = path.join(courseRoot, solutionFolder(chapter), file);
    const starterText = existsSync(starter) ? readFileSync(starter, "utf8") : undefined;
    const solutionText = existsSync(solution) ? readFileSync(solution, "utf8") : undefined;
    const starterTodos = (starterText?.match(/\bTODO\b/g) ?? []).length;
    todos += starterTodos;
    if (starterText === undefined) problems.push(`labs/${dir}/${file}: missing starter`);
    if (solutionText === undefined) problems.push(`solutions/${dir}/${file}: missing solution`);
    else if (/\bTODO\b/.test(solutionText)) problems.push(`solutions/${dir}/${file}: a solution must not contain TODO`);
    // A file with no TODO is given to the learner whole: its two copies must not drift apart.
    if (starterText !== undefined && solutionText !== undefined && starterTodos === 0 && starterText !== solutionText) {
      problems.push(`labs/${dir}/${file}: a given file (no TODO) must be identical to solutions/${dir}/${file}`);
    }
  }
  // Every module of the lab must be listed: reset restores and the export check compares only those.
  const starters = path.join(courseRoot, labFolder(chapter));
  const onDisk = existsSync(starters) ? readdirSync(starters).filter((f) => f.endsWith(".ts")) : [];
  for (const file of onDisk.filter((f) => !lab.files.includes(f))) {
    problems.push(`labs/${dir}/${file}: not in the manifest's lab.files (course/chapters/${dir}.ts)`);
  }
  if (lab.files.length > 0 && todos === 0) problems.push(`labs/${dir}: the starter files contain no TODO`);
  return problems;
}

/** Notebooks on disk that the manifest does not know. */
function strayNotebooks(): string[] {
  const known = new Set(chapters.map(notebookPath));
  return readdirSync(path.join(courseRoot, "notebooks"))
    .filter((f) => f.endsWith(".ipynb"))
    .map((f) => `notebooks/${f}`)
    .filter((f) => !known.has(f))
    .map((f) => `${f}: not in the course manifest (course/manifest.ts)`);
}

/**
 * A readable description of an exported symbol's type, structural enough that
 * a starter whose signature drifted from the solution's is caught.
 */
function describeExport(checker: TS.TypeChecker, symbol: TS.Symbol): string {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const flags = ts.TypeFormatFlags.NoTruncation;
  const parts: string[] = [];
  // Private and protected members are the implementation's business, not the lab's interface.
  const isPublic = (p: TS.Symbol): boolean =>
    !p.name.startsWith("#") && !(p.declarations ?? []).some((d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
  const members = (type: TS.Type): string =>
    checker
      .getPropertiesOfType(type)
      .filter(isPublic)
      .map((p) => `${p.name}: ${checker.typeToString(checker.getTypeOfSymbol(p), undefined, flags)}`)
      .sort()
      .join("; ");
  if (target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum)) {
    const declared = checker.getDeclaredTypeOfSymbol(target);
    parts.push(`type ${checker.typeToString(declared, undefined, flags)} { ${members(declared)} }`);
  }
  if (target.flags & ts.SymbolFlags.Value) {
    const type = checker.getTypeOfSymbol(target);
    const signatures = [...type.getCallSignatures(), ...type.getConstructSignatures()].map((s) => checker.signatureToString(s, undefined, flags));
    parts.push(`value ${checker.typeToString(type, undefined, flags)} ${signatures.join(" | ")}`);
  }
  return parts.join(" & ");
}

/** Starter and solution must export the same names with the same types (of every chapter, or of `selected`). */
export function exportMismatches(selected: readonly Chapter[] = chapters): string[] {
  const pairs = selected
    .flatMap((c) =>
      c.lab.files.map((f) => ({
        starter: path.join(courseRoot, labFolder(c), f),
        solution: path.join(courseRoot, solutionFolder(c), f),
      })),
    )
    .filter((p) => existsSync(p.starter) && existsSync(p.solution));
  // The project's own program (tsconfig.json's settings), shared with the type check: every starter
  // and solution is in it.
  const program = projectPrograms().course;
  const checker = program.getTypeChecker();
  const exportsOf = (file: string): Map<string, string> => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    const result = new Map<string, string>();
    for (const symbol of module ? checker.getExportsOfModule(module) : []) result.set(symbol.name, describeExport(checker, symbol));
    return result;
  };
  const problems: string[] = [];
  for (const { starter, solution } of pairs) {
    const ours = exportsOf(starter);
    const theirs = exportsOf(solution);
    const name = path.relative(path.join(courseRoot, "labs"), starter);
    for (const [symbol, type] of theirs) {
      if (!ours.has(symbol)) problems.push(`labs/${name}: does not export "${symbol}", which the solution exports`);
      else if (ours.get(symbol) !== type)
        problems.push(`labs/${name}: "${symbol}" differs from the solution:\n    starter:  ${ours.get(symbol)}\n    solution: ${type}`);
    }
    for (const symbol of ours.keys()) {
      if (!theirs.has(symbol)) problems.push(`labs/${name}: exports "${symbol}", which the solution does not`);
    }
  }
  return problems;
}

/** All static problems (of every chapter, or of `selected`), each a line that says what is wrong and where. */
export function staticProblems(selected: readonly Chapter[] = chapters): string[] {
  return [...selected.flatMap((c) => [...checkNotebook(c), ...checkLab(c)]), ...strayNotebooks()];
}

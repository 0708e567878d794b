// The learners' copy (`npm run handout`) leaves some files out (course/handout/contents.ts). A file
// it keeps must not import one it leaves out: the copy would not type-check, and the learners'
// `npm run check` would fail in CI's handout step, long after `npm test` passed (seen once: the
// kept course/hub/lifeline.ts imported the left-out course/hub/harness.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import { ts } from "../foundation/typescript";
import { isLeftOut } from "../handout/contents";
import { importedFile, LAYERS, sourceFiles } from "./layers";

/** Every import, by a file the learners' copy keeps, of a file it leaves out: one line each. */
export function handoutImportProblems(root: string): string[] {
  const everywhere = [...LAYERS, { name: "labs", paths: ["labs/"] }];
  const problems: string[] = [];
  for (const file of sourceFiles(root, everywhere)) {
    if (isLeftOut(file)) continue;
    for (const { fileName } of ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true).importedFiles) {
      const target = importedFile(root, file, fileName);
      if (target !== undefined && isLeftOut(target)) {
        problems.push(`${file} imports ${target}, which the learners' copy leaves out (course/handout/contents.ts): leave ${file} out too, or keep ${target}`);
      }
    }
  }
  return problems.sort();
}

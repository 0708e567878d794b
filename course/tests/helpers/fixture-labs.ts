// Fixture labs for the machinery tests (see fixtures/README.md): copied, undisguised, to a
// scratch folder of this test process under the course root, and a chapter that never enters
// the real manifest.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Chapter } from "../../manifest";
import { courseRoot, filesUnder } from "../../foundation/layout";

const FIXTURES = "course/tests/fixtures";
export const scratch = path.join(courseRoot, ".course", "grader-fixtures", randomBytes(4).toString("hex"));

/** Remove this test process's copies (call it from afterAll). */
export function removeFixtureLabs(): void {
  rmSync(scratch, { recursive: true, force: true });
  try {
    rmdirSync(path.dirname(scratch)); // only when no other run's scratch is in it
  } catch {
    // Not empty, or already gone.
  }
}

/** Relative imports that leave the fixture lab, re-aimed from the scratch copy. */
function rewriteImports(source: string, from: string, to: string, labSource: string): string {
  return source.replace(/(from\s+")(\.{1,2}\/[^"]+)(")/g, (whole, open: string, spec: string, close: string) => {
    const target = path.resolve(path.dirname(from), spec);
    if (target.startsWith(`${labSource}/`)) return whole; // inside the lab: copied along
    const moved = path.relative(path.dirname(to), target);
    return `${open}${moved.startsWith(".") ? moved : `./${moved}`}${close}`;
  });
}

/** Copy a fixture lab to the scratch folder, undisguised; returns its tests folder, relative to the course root. */
export function fixtureLab(name: string): string {
  const labSource = path.join(courseRoot, FIXTURES, name);
  const labTarget = path.join(scratch, name);
  for (const file of filesUnder(`${FIXTURES}/${name}`)) {
    const from = path.join(labSource, file);
    const to = path.join(labTarget, file.replace(/\.fixture\.ts$/, ".test.ts").replace(/\.ts\.txt$/, ".ts"));
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, rewriteImports(readFileSync(from, "utf8"), from, to, labSource));
  }
  return path.relative(courseRoot, path.join(labTarget, "tests"));
}

/** A chapter for a fixture lab; it never enters the real manifest. */
export function fixtureChapter(slug: string, taskIds: string[]): Chapter {
  return {
    number: "99",
    slug,
    title: `fixture: ${slug}`,
    summary: "",
    lab: { files: [], tasks: taskIds.map((id) => ({ id, title: id, short: id, points: 1, hints: [] })) },
  };
}

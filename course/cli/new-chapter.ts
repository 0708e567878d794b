// npm run course:new -- NN slug (maintainers): scaffold chapter NN-slug, the smallest chapter
// that passes `npm test -- NN` at once: its manifest entry (course/chapters/NN-slug.ts, listed in
// course/manifest.ts), a starter with a TODO, the solution, one test that fails on the starter
// and passes on the solution, a notebook without outputs, two hints, the README row and the lab
// snapshot. Bad input writes nothing and exits 2; a failure half-way undoes what was written.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chapterFiles, labIdOf, type NewChapter } from "../authoring/chapter-files";
import { withChapter } from "../authoring/add-to-manifest";
import { courseRoot, labId } from "../foundation/layout";
import { tsNodeArgs } from "../foundation/run-typescript";
import { binOf } from "../foundation/package-bin";
import { chapters } from "../manifest";

const USAGE = `usage: npm run course:new -- NN slug
  NN    the chapter's number, two digits, not yet in course/manifest.ts ("12")
  slug  its name in kebab-case: lower-case letters and digits, words joined by "-" ("signals", "shared-memory")
  Writes course/chapters/NN-slug.ts (and lists it in course/manifest.ts), labs/NN-slug/ (starter and
  tests), solutions/NN-slug/, notebooks/NN-slug.ipynb, the README row and the lab snapshot.`;

class UsageError extends Error {}

function parseArgs(argv: string[]): NewChapter {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    process.exit(0);
  }
  const option = argv.find((arg) => arg.startsWith("-"));
  if (option !== undefined) throw new UsageError(`unknown option "${option}"`);
  if (argv.length !== 2) throw new UsageError(`expected a number and a slug, got ${argv.length === 0 ? "nothing" : argv.map((a) => `"${a}"`).join(" ")}`);
  const [number, slug] = argv as [string, string];
  if (!/^\d\d$/.test(number)) throw new UsageError(`the chapter number must be two digits, like "12", not "${number}"`);
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(slug)) {
    throw new UsageError(
      `the slug must be kebab-case (lower-case letters and digits, words joined by "-", starting with a letter), like "shared-memory", not "${slug}"`,
    );
  }
  const chapter = { number, slug };
  const taken = chapters.find((c) => c.number === number || c.slug === slug);
  if (taken) {
    const free = String(Math.max(...chapters.map((c) => Number(c.number))) + 1).padStart(2, "0");
    throw new UsageError(`chapter ${labId(taken)} already has that ${taken.number === number ? "number" : "slug"}; the next free number is ${free}`);
  }
  for (const file of chapterFiles(chapter).keys()) {
    if (existsSync(path.join(courseRoot, file))) throw new UsageError(`${file} already exists; move it away or choose another number or slug`);
  }
  for (const dir of [`labs/${labIdOf(chapter)}`, `solutions/${labIdOf(chapter)}`]) {
    if (existsSync(path.join(courseRoot, dir))) throw new UsageError(`${dir}/ already exists; move it away or choose another number or slug`);
  }
  return chapter;
}

/** Run one of the course's own commands (a fresh process: it reads the manifest as now written). */
function courseCommand(cli: string): void {
  const result = spawnSync(process.execPath, [...tsNodeArgs, path.join(courseRoot, "course", "cli", cli)], { cwd: courseRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`course/cli/${cli} failed:\n${result.stdout}${result.stderr}`);
}

/** Lay the new files out as `npm test`'s format step expects (the templates cannot know the line width). */
function formatWithPrettier(files: string[]): void {
  const prettier = binOf("prettier", "prettier");
  const result = spawnSync(process.execPath, [prettier, "--write", "--log-level", "warn", ...files], { cwd: courseRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`prettier --write failed:\n${result.stdout}${result.stderr}`);
}

function scaffold(chapter: NewChapter): string[] {
  const files = chapterFiles(chapter);
  const manifestFile = path.join(courseRoot, "course", "manifest.ts");
  const manifest = readFileSync(manifestFile, "utf8");
  const newManifest = withChapter(manifest, chapter); // throws before anything is written
  // What was there before, to put back if a step fails: the generated files and the manifest.
  const edited = ["course/manifest.ts", "README.md", "course/lab-snapshot.json"].map((file) => ({
    file,
    text: readFileSync(path.join(courseRoot, file), "utf8"),
  }));
  const created = [...files.keys(), `labs/${labIdOf(chapter)}`, `solutions/${labIdOf(chapter)}`];
  try {
    for (const [file, text] of files) {
      mkdirSync(path.dirname(path.join(courseRoot, file)), { recursive: true });
      writeFileSync(path.join(courseRoot, file), text, { flag: "wx" });
    }
    writeFileSync(manifestFile, newManifest);
    formatWithPrettier([...files.keys(), "course/manifest.ts"].filter((file) => !file.endsWith(".ipynb")));
    courseCommand("readme.ts");
    courseCommand("freeze.ts");
  } catch (err) {
    for (const file of created) rmSync(path.join(courseRoot, file), { recursive: true, force: true });
    for (const { file, text } of edited) writeFileSync(path.join(courseRoot, file), text);
    throw err;
  }
  return [...files.keys(), "course/manifest.ts (lists it)", "README.md (its row)", "course/lab-snapshot.json (its starter and test)"];
}

let chapter: NewChapter;
try {
  chapter = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}; nothing was written.\n${USAGE}`);
  process.exit(2);
}
try {
  const written = scaffold(chapter);
  console.log(`Chapter ${labIdOf(chapter)} scaffolded:\n${written.map((f) => `  ${f}`).join("\n")}`);
  console.log(`Next: replace the placeholders (course/AUTHORING.md says what a chapter holds), then \`npm test -- ${chapter.number}\`.`);
} catch (err) {
  console.error(`Could not scaffold ${labIdOf(chapter)}, nothing was kept: ${(err as Error).message}`);
  process.exit(1);
}

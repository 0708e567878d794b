// List a new chapter in course/manifest.ts: one import line and one name in the `chapters`
// array, both in chapter-number order. The manifest is code a maintainer reads, so it is edited
// as text, in its own style, and refused (with the reason) when it no longer has that shape.
import { labIdOf, type NewChapter } from "./chapter-files";

const IMPORT = /^import \{ chapter as (\w+) \} from "\.\/chapters\/(\d+)-[^"]+";$/;
const ARRAY = /^export const chapters: Chapter\[\] = \[([^\]]*)\];$/m;

/** Words JavaScript reserves: a slug such as "new" or "class" cannot name a variable. */
const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof let new null return static super switch this throw true try typeof var void while with yield await implements interface package private protected public".split(
    " ",
  ),
);

/** "unix-sockets" → "unixSockets", the manifest's way of naming a chapter's import. */
function variableName(chapter: NewChapter, taken: Set<string>): string {
  const camel = chapter.slug.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const name = /^[a-z]/.test(camel) && !RESERVED.has(camel) && !taken.has(camel) ? camel : `chapter${chapter.number}`;
  if (taken.has(name)) throw new Error(`course/manifest.ts already has a variable "${name}"; rename it there first`);
  return name;
}

/** The manifest's text with the chapter added. Throws when the text is not in the expected shape. */
export function withChapter(manifest: string, chapter: NewChapter): string {
  const lines = manifest.split("\n");
  const imports = lines.map((line, index) => ({ index, match: IMPORT.exec(line) })).filter((i) => i.match !== null);
  const array = ARRAY.exec(manifest);
  if (imports.length === 0 || array === null) {
    throw new Error(
      'course/manifest.ts is not in the shape this command edits (lines `import { chapter as x } from "./chapters/NN-slug";` and one line `export const chapters: Chapter[] = [...];`); list the chapter there by hand',
    );
  }
  const numberOf = new Map(imports.map(({ match }) => [match![1]!, Number(match![2])]));
  const listed = array[1]!
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const name = variableName(chapter, new Set([...numberOf.keys(), ...listed]));
  const mine = Number(chapter.number);

  const after = imports.filter(({ match }) => Number(match![2]) < mine);
  const importAt = after.length > 0 ? after[after.length - 1]!.index + 1 : imports[0]!.index;
  lines.splice(importAt, 0, `import { chapter as ${name} } from "./chapters/${labIdOf(chapter)}";`);

  const position = listed.filter((other) => (numberOf.get(other) ?? -1) < mine).length;
  listed.splice(position, 0, name);
  return lines.join("\n").replace(ARRAY, `export const chapters: Chapter[] = [${listed.join(", ")}];`);
}

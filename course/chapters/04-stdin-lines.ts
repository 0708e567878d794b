import type { Chapter } from "./types";

// Placeholder: being written.
export const chapter: Chapter = {
  number: "04",
  slug: "stdin-lines",
  title: "TODO",
  summary: "TODO",
  lab: { files: [], tasks: [], hints: [] },
};

import type { Chapter } from "./types";

// Placeholder: being written.
export const chapter: Chapter = {
  number: "05",
  slug: "daemons",
  title: "TODO",
  summary: "TODO",
  lab: { files: [], tasks: [], hints: [] },
};

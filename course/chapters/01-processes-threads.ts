import type { Chapter } from "./types";

// Placeholder: being written.
export const chapter: Chapter = {
  number: "01",
  slug: "processes-threads",
  title: "TODO",
  summary: "TODO",
  lab: { files: [], tasks: [], hints: [] },
};

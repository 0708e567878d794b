import type { Chapter } from "./types";

// Placeholder: being written.
export const chapter: Chapter = {
  number: "06",
  slug: "clocks",
  title: "TODO",
  summary: "TODO",
  lab: { files: [], tasks: [], hints: [] },
};

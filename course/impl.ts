// Which implementation the lab tests exercise: the learner's `labs/` or the
// maintainers' `solutions/`. One environment variable switches every import.
import path from "node:path";
import { fileURLToPath } from "node:url";

export type Impl = "labs" | "solutions";

/** The course root: the folder that holds package.json. */
export const courseRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function currentImpl(): Impl {
  const value = process.env.COURSE_IMPL ?? "labs";
  if (value !== "labs" && value !== "solutions") {
    throw new Error(`COURSE_IMPL must be "labs" or "solutions", not "${value}"`);
  }
  return value;
}

/** Absolute path of labs/ or solutions/, whichever COURSE_IMPL selects. */
export function implRoot(impl: Impl = currentImpl()): string {
  return path.join(courseRoot, impl);
}

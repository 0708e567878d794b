// Plain text as the course prints it: without terminal colour codes, and durations in seconds.

/** A terminal colour code (SGR): `ESC [ 1;31 m`. */
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

/** The text without colour codes (vitest colours its messages; the grader's report is read as plain text). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, "");
}

/** A duration for people: "2.5 s" under ten seconds, whole seconds ("20 s") above. */
export function seconds(ms: number): string {
  return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`;
}

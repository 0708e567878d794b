// npm run course:freeze (maintainers): record every lab's starter files and the
// hashes of its tests in course/lab-snapshot.json. Run it after changing a lab's
// starter or tests; `npm test` fails while the record is stale.
import { chapters } from "../manifest";
import { buildSnapshot, SNAPSHOT_FILE, writeSnapshot } from "../grader/snapshot";
import { labId } from "../foundation/layout";

try {
  const snapshot = buildSnapshot();
  writeSnapshot(snapshot);
  for (const chapter of chapters) {
    const lab = snapshot.labs[labId(chapter)];
    const starters = Object.keys(lab?.starters ?? {}).length;
    const tests = Object.keys(lab?.tests ?? {}).length;
    console.log(`  ${labId(chapter)}: ${starters} starter file(s), ${tests} test file(s)`);
  }
  console.log(`Wrote ${SNAPSHOT_FILE}. Commit it with the lab changes.`);
} catch (err) {
  console.error(`Did not write ${SNAPSHOT_FILE}: ${(err as Error).message}`);
  process.exit(1);
}

// Runs after `npm install`: checks that the course kernel can start here.
// It changes nothing outside the course folder.
import { createRequire } from "node:module";
import { courseJupyterPath } from "../jupyter/paths";

const require = createRequire(import.meta.url);

function fail(what: string, err: unknown): never {
  console.error(`\nThe course kernel cannot work: ${what}.\n(${(err as Error).message})`);
  console.error("Check that you run Node 20 or newer on Linux (x64 or arm64), then run `npm install` again.");
  process.exit(1);
}

try {
  require("zeromq"); // tslab's messaging library; it ships prebuilt binaries
} catch (err) {
  fail("the zeromq library did not load", err);
}
try {
  require.resolve("tslab/dist/main.js");
} catch (err) {
  fail("tslab is not installed", err);
}

const major = Number(process.versions.node.split(".")[0]);
console.log(`Course kernel ready (Node ${process.versions.node}${major < 20 ? ", too old: use Node 20 or newer" : ""}).`);
console.log(`  kernelspec: ${courseJupyterPath}/kernels (used by \`npm start\`; nothing installed globally)`);
console.log("  next: `npm start` to open the course, `npm test` to check it, `npm run grade` to grade your labs.");

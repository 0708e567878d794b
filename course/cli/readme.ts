// npm run course:readme: regenerate the README's chapter table from the manifest.
import { readFileSync, writeFileSync } from "node:fs";
import { README, withTable } from "../check/readme";

writeFileSync(README, withTable(readFileSync(README, "utf8")));
console.log("README.md chapter table updated from course/manifest.ts");

// npm run course:readme: regenerate the README's chapter table from the manifest.
import { updateReadme } from "../check/readme";

updateReadme();
console.log("README.md chapter table updated from course/manifest.ts");

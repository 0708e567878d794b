// Make a course folder ready to be every learner's template: each notebook's working copy in
// my-notebooks/ (as npm start would make it). npm run hub does this for its state folder; the
// Kubernetes image runs it at build time (see course/hub/k8s/Dockerfile).
import { syncWorkspace } from "../jupyter/workspace";
import { courseRoot, notebookPath } from "../foundation/layout";
import { chapters } from "../manifest";

const results = syncWorkspace(courseRoot, chapters.map(notebookPath));
console.log(`my-notebooks/: ${results.filter((r) => r.action === "created").length} notebook(s) prepared for learners`);

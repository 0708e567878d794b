// The layer check of `npm test` (course/check/layers.ts): it finds an upward import, of any form,
// and a lab reaching past the test-kit, in a small course tree made for the test, and finds none in
// the course itself.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { handoutImportProblems } from "../check/handout-imports";
import { layerOf, layerProblems } from "../check/layers";
import { courseRoot } from "../foundation/layout";

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A course tree holding `files` (path relative to the root → contents). */
function tree(files: Record<string, string>): string {
  scratch = mkdtempSync(path.join(os.tmpdir(), "course-layers-test-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    writeFileSync(path.join(scratch, file), text);
  }
  return scratch;
}

describe("layer check", () => {
  it("places files in their layers, from the foundation up", () => {
    expect(layerOf("course/foundation/proc.ts")).toBeLessThan(layerOf("course/manifest.ts"));
    expect(layerOf("course/manifest.ts")).toBeLessThan(layerOf("course/grader/run-lab.ts"));
    expect(layerOf("course/grader/run-lab.ts")).toBeLessThan(layerOf("course/testkit/processes.ts"));
    expect(layerOf("course/testkit/processes.ts")).toBeLessThan(layerOf("course/cli/grade.ts"));
    expect(layerOf("labs/00-welcome/stat.ts")).toBe(-1);
  });

  it("reports every upward import (import, export from, type-only, require, dynamic import) and every lab import of the machinery but the tests' test-kit, and accepts downward and same-layer ones", () => {
    const root = tree({
      "course/foundation/proc.ts": 'import { x } from "../grader/run-lab";\nexport {};\n',
      "course/foundation/layout.ts": 'import type { Args } from "../cli/lib/args";\nexport { y } from "./proc";\n',
      "course/grader/run-lab.ts":
        'import { tsNodeArgs } from "../testkit/processes";\nimport { layout } from "../foundation/layout";\nimport { score } from "./score";\n',
      "course/grader/score.ts": 'const kit = require("../notebook-kit");\nexport {};\n',
      "course/runner/kernel.ts": 'export const cli = () => import("../cli/grade");\nimport { check } from "../check/layers";\n',
      "course/testkit/processes.ts": 'import { runLab } from "../grader/run-lab";\nimport zeromq from "zeromq";\n',
      "course/notebook-kit/index.ts": "export {};\n",
      "course/testkit/index.ts": "export {};\n",
      "course/cli/grade.ts": 'import { runLab } from "../grader/run-lab";\nimport { kit } from "../testkit/processes";\n',
      "course/cli/lib/args.ts": "export {};\n",
      "labs/00-x/tests/x.test.ts":
        'import { spawnTs } from "../../../course/testkit";\nimport { processEntry } from "../../../course/foundation/proc";\nimport { f } from "@impl/00-x/x";\n',
      "labs/00-x/x.ts": 'import { hasCommand } from "../../course/testkit";\nexport {};\n',
      "solutions/00-x/x.ts": 'import { readFileSync } from "node:fs";\nexport {};\n',
    });
    expect(layerProblems(root).map((problem) => problem.split(":")[0])).toEqual([
      "course/foundation/layout.ts imports course/cli/lib/args.ts",
      "course/foundation/proc.ts imports course/grader/run-lab.ts",
      "course/grader/run-lab.ts imports course/testkit/processes.ts",
      "course/grader/score.ts imports course/notebook-kit/index.ts",
      "course/runner/kernel.ts imports course/cli/grade.ts",
      "labs/00-x/tests/x.test.ts imports course/foundation/proc.ts",
      "labs/00-x/x.ts imports course/testkit/index.ts",
    ]);
    expect(layerProblems(root)[0]).toMatch(/the foundation layer must not depend on the commands layer above it/);
  });

  it("finds no upward import in the course", () => {
    expect(layerProblems(courseRoot)).toEqual([]);
  });
});

describe("what the learners' copy keeps", () => {
  it("reports a kept file that imports a left-out one, of any form, and accepts imports among kept files", () => {
    const root = tree({
      "course/hub/harness.ts": "export {};\n",
      "course/runner/kernel.ts": 'import type { TestHub } from "../hub/harness";\n',
      "course/hub/prepare-template.ts": 'export const load = () => import("./load");\n',
      "course/hub/load.ts": 'import { startTestHub } from "./harness";\n',
      "course/grader/run-lab.ts": 'import { layout } from "../foundation/layout";\nconst bench = require("../bench/grader");\n',
      "course/foundation/layout.ts": "export {};\n",
      "course/bench/grader.ts": "export {};\n",
      "labs/00-x/x.ts": 'import { answer } from "../../solutions/00-x/x";\n',
      "solutions/00-x/x.ts": "export {};\n",
    });
    expect(handoutImportProblems(root).map((problem) => problem.split(",")[0])).toEqual([
      "course/grader/run-lab.ts imports course/bench/grader.ts",
      "course/hub/prepare-template.ts imports course/hub/load.ts",
      "course/runner/kernel.ts imports course/hub/harness.ts",
      "labs/00-x/x.ts imports solutions/00-x/x.ts",
    ]);
    expect(handoutImportProblems(root)[2]).toMatch(/leave course\/runner\/kernel\.ts out too, or keep course\/hub\/harness\.ts/);
  });

  it("finds none in the course", () => {
    expect(handoutImportProblems(courseRoot)).toEqual([]);
  });
});

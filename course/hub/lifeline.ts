// A test hub's lifeline (see startLifeline in harness.ts). Its stdin is a pipe from the process
// that started the hub; when that process ends without stopping the hub (SIGKILL, out of memory,
// a test runner that died), the pipe closes, and this kills what the hub started, removes its
// folder, and removes the learners' accounts the hub made for the test (once their processes have
// exited). A process that stopped the hub itself kills this one first.
// Usage: node --import <the course's loader> course/hub/lifeline.ts '<TestHubProcesses as JSON>'
import { killTestHub, removeTestAccounts, type TestHubProcesses } from "./harness";

const hub = JSON.parse(process.argv[2] ?? "null") as TestHubProcesses | null;
if (hub === null || typeof hub.stateDir !== "string" || typeof hub.scratch !== "string" || !Array.isArray(hub.learners)) {
  console.error("usage: lifeline.ts '<what the test hub started, as JSON>' (started by startTestHub)");
  process.exit(2);
}
process.stdin.resume(); // nothing is ever written: we only wait for the end
process.stdin.on("close", () => {
  killTestHub(hub);
  void removeTestAccounts(hub.learners).finally(() => process.exit(0));
});

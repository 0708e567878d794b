// The messages the master and its workers exchange over the IPC channel that
// fork() sets up (a socketpair: one end in each process).

/** Master -> worker: "here is the listening server" (the handle rides along). */
export interface ServerMessage {
  kind: "server";
}
/** Master -> worker: "here is one accepted connection" (the handle rides along). */
export interface ConnectionMessage {
  kind: "connection";
}
/** Master -> worker: stop accepting, finish what you have, exit. */
export interface StopMessage {
  kind: "stop";
}
/**
 * Worker -> master: my message handler is attached, send me the server.
 * A worker's Node starts accepting on a listening server the moment it
 * receives it, whether or not any "connection" listener exists yet; a
 * connection accepted before then is never answered.
 */
export interface StartedMessage {
  kind: "started";
}
/** Worker -> master: I hold the server and serve. */
export interface ReadyMessage {
  kind: "ready";
}

export type ToWorker = ServerMessage | ConnectionMessage | StopMessage;
export type ToMaster = StartedMessage | ReadyMessage;

export function isMessage<T extends { kind: string }>(value: unknown, kind: T["kind"]): value is T {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === kind;
}

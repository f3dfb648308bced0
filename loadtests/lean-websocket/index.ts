// A WebSocket client over raw TCP with the minimal frame codec, for load generation: the
// generator spends its core on the test, not on a client library.
export * from "./lean-websocket.js";

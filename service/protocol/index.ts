// The wire protocol: the one definition used by the hub, the SDK, the load driver and the chaos
// probe. Browser-safe: nothing below imports a Node built-in.
export * from "./channel.js";
export * from "./codes.js";
export * from "./frames.js";
export * from "./message-frame.js";

// The hub's public paths: what an ingress routes, and nothing else.

/** The WebSocket endpoint. */
export const HUB_WS_PATH = "/v1/ws";
/** The publish API. */
export const HUB_PUBLISH_PATH = "/v1/publish";

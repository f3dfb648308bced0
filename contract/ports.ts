// The hub's ports, as the image, the Deployment, the probes and the test kits expect them.

/** WebSockets (/v1/ws) and the publish API. */
export const HUB_PORT = 8080;
/** /livez, /readyz and /metrics: for the kubelet and Prometheus only, never routed publicly. */
export const HUB_INTERNAL_PORT = 9091;

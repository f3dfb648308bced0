// The connection token of a client: the caller's token or token function, replaced by
// refreshToken() ahead of its `exp` and after the hub refused it.
import { HubClientError } from "./client-error.js";
import type { ResolvedOptions } from "./client-options.js";
import { jwtExpiryMs, refreshDelayMs } from "./token-expiry.js";

const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the token source tells its client. */
export type TokenSink = {
  /** A refreshed token, to send on the open connection. */
  refreshed(token: string): void;
  failed(err: HubClientError): void;
  /** The client closed for good meanwhile: drop the result. */
  closed(): boolean;
};

export class TokenSource {
  #token: string | undefined;
  #refreshFirst = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly sink: TokenSink,
  ) {}

  /** The next connection calls refreshToken() first: the hub refused the current token. */
  refreshFirst(): void {
    this.#refreshFirst = true;
  }

  /** The token for the next connection. */
  async current(): Promise<string | undefined> {
    if (this.#refreshFirst && this.o.refreshToken) {
      this.#token = await this.o.refreshToken();
      this.#refreshFirst = false;
    }
    if (this.#token !== undefined) return this.#token;
    const t = this.o.token;
    return typeof t === "function" ? await t() : t;
  }

  /** Refreshes ahead of `token`'s `exp` (when it is a JWT and refreshToken is given). */
  schedule(token: string | undefined): void {
    this.stop();
    const exp = token === undefined ? undefined : jwtExpiryMs(token);
    if (!this.o.refreshToken || exp === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, refreshDelayMs(exp, Date.now()));
    this.#timer = setTimeout(() => void this.#refreshNow(), delay);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #refreshNow(): Promise<void> {
    try {
      const token = await (this.o.refreshToken as () => Promise<string>)();
      if (this.sink.closed()) return;
      this.#token = token;
      this.sink.refreshed(token);
      this.schedule(token);
    } catch (cause) {
      if (this.sink.closed()) return;
      // No retry loop here: at expiry the hub closes with 1008 and the reconnect refreshes again.
      const msg = "refreshToken() failed before the token expired";
      this.sink.failed(new HubClientError("refresh_failed", msg, { cause }));
    }
  }
}

// One k6 VU: its own JavaScript context (init code runs once per VU, as in k6), its own module
// instances, an event loop of its own timers and sockets, and k6's iteration rule: an iteration
// ends when its function returned and nothing it started (timer, socket) is still pending.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import vm from "node:vm";
import type { MetricType, Sink } from "./metrics.js";
import { websocketsModule } from "./websocket.js";

/** What all VUs of a run share: metrics, the environment, and how to abort the test. */
export interface RunShared {
  env: Record<string, string>;
  scriptPath: string;
  code: string;
  metric(name: string, type: MetricType, isTime: boolean): Sink;
  abort(reason: string): void;
  log(line: string): void;
}

/** Where a VU is in its scenario, for k6/execution. */
export interface VuPosition {
  scenario: string;
  startTime: number;
  iterationInScenario: number;
  iterationInTest: number;
}

export class Vu {
  readonly exports: Record<string, unknown>;
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<{ terminate(): void }>();
  private idle: (() => void) | undefined;
  private failure: unknown;
  private interrupted = false;
  private initDone = false;
  readonly context: vm.Context;
  position: VuPosition = { scenario: "", startTime: 0, iterationInScenario: 0, iterationInTest: 0 };

  constructor(
    readonly id: number,
    private readonly shared: RunShared,
  ) {
    const module = { exports: {} as Record<string, unknown> };
    this.context = vm.createContext({
      __ENV: { ...shared.env },
      __VU: id,
      __ITER: 0,
      console: this.console(),
      module,
      exports: module.exports,
      require: (name: string) => this.module(name),
      open: (path: string) => {
        if (this.initDone) throw new Error("open() can only be called in the init context");
        return readFileSync(resolve(dirname(shared.scriptPath), path), "utf8");
      },
    });
    vm.runInContext(shared.code, this.context, { filename: shared.scriptPath });
    this.exports = module.exports;
    this.initDone = true;
  }

  /** Runs `name` once as an iteration; resolves when it and everything it started are done. */
  async iterate(name: string): Promise<void> {
    const fn = this.exports[name];
    if (typeof fn !== "function") throw new Error(`the script exports no function "${name}"`);
    this.context.__ITER = this.position.iterationInScenario;
    this.failure = undefined;
    this.interrupted = false;
    const done = new Promise<void>((resolveDone) => {
      this.idle = resolveDone;
    });
    this.run(() => fn());
    this.settle();
    await done;
    if (this.failure !== undefined) {
      const error = this.failure as { stack?: string };
      this.shared.log(`VU ${this.id}: iteration failed: ${error.stack ?? String(this.failure)}`);
    }
  }

  /** Stops the current iteration now (maxDuration, an aborted test): timers cleared, sockets cut. */
  interrupt(): void {
    this.interrupted = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of [...this.sockets]) s.terminate();
    this.pending = this.sockets.size;
    this.settle();
  }

  private settle(): void {
    if (this.pending === 0 || (this.interrupted && this.sockets.size === 0)) {
      const idle = this.idle;
      this.idle = undefined;
      idle?.();
    }
  }

  private hold(): () => void {
    this.pending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pending--;
      this.settle();
    };
  }

  private run(fn: () => void): void {
    if (this.interrupted) return;
    try {
      fn();
    } catch (error) {
      // k6: an exception in an iteration or a handler ends that iteration.
      this.failure = error;
      this.interrupt();
    }
  }

  private console(): Record<string, (...args: unknown[]) => void> {
    const line =
      (level: string) =>
      (...args: unknown[]) =>
        this.shared.log(`${level} VU ${this.id}: ${args.map(String).join(" ")}`);
    return { log: line("INFO"), info: line("INFO"), warn: line("WARN"), error: line("ERRO") };
  }

  /** A k6 module as an ES module namespace (esbuild's interop reads `default` only then). */
  private module(name: string): unknown {
    const exports = this.moduleExports(name);
    Object.defineProperty(exports, "__esModule", { value: true });
    return exports;
  }

  private moduleExports(name: string): Record<string, unknown> {
    switch (name) {
      case "k6":
        return {
          check: (value: unknown, checks: Record<string, (v: unknown) => boolean>) =>
            Object.values(checks).every((c) => c(value)),
          fail: (message?: string) => {
            throw new Error(message ?? "fail() called");
          },
        };
      case "k6/timers":
        return this.timersModule();
      case "k6/metrics":
        return this.metricsModule();
      case "k6/websockets":
        return websocketsModule({
          hold: () => this.hold(),
          run: (fn) => this.run(fn),
          sockets: this.sockets,
          connecting: this.shared.metric("ws_connecting", "trend", true),
          sessions: this.shared.metric("ws_sessions", "counter", false),
        });
      case "k6/execution":
        return withDefault(this.executionModule());
      case "k6/http":
        return withDefault(httpModule(() => this.hold()));
      default:
        throw new Error(`module "${name}" is not part of this k6-compatible runtime`);
    }
  }

  private timersModule(): Record<string, unknown> {
    const arm = (fn: () => void, ms: number, repeat: boolean): NodeJS.Timeout => {
      const release = this.hold();
      const timer = (repeat ? setInterval : setTimeout)(
        () => {
          if (repeat) {
            this.run(fn);
            return;
          }
          this.timers.delete(timer);
          // Run first: what the callback starts keeps the iteration open before this releases.
          this.run(fn);
          release();
        },
        Math.max(0, Number(ms) || 0),
      );
      (timer as NodeJS.Timeout & { release?: () => void }).release = release;
      this.timers.add(timer);
      return timer;
    };
    const clear = (timer: NodeJS.Timeout | undefined) => {
      if (!timer || !this.timers.delete(timer)) return;
      clearTimeout(timer);
      (timer as NodeJS.Timeout & { release?: () => void }).release?.();
    };
    return {
      setTimeout: (fn: () => void, ms: number) => arm(fn, ms, false),
      setInterval: (fn: () => void, ms: number) => arm(fn, ms, true),
      clearTimeout: clear,
      clearInterval: clear,
    };
  }

  private metricsModule(): Record<string, unknown> {
    const shared = this.shared;
    const kind = (type: MetricType) =>
      class {
        private readonly sink: Sink;
        constructor(name: string, isTime = false) {
          if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name)) {
            throw new Error(`invalid metric name "${name}"`);
          }
          this.sink = shared.metric(name, type, isTime);
        }
        add(value: number | boolean): void {
          this.sink.add(value);
        }
      };
    return {
      Counter: kind("counter"),
      Gauge: kind("gauge"),
      Rate: kind("rate"),
      Trend: kind("trend"),
    };
  }

  private executionModule(): Record<string, unknown> {
    const vu = this;
    return {
      scenario: {
        get name() {
          return vu.position.scenario;
        },
        get startTime() {
          return vu.position.startTime;
        },
        get iterationInTest() {
          return vu.position.iterationInTest;
        },
        get iterationInInstance() {
          return vu.position.iterationInTest;
        },
      },
      vu: {
        get idInTest() {
          return vu.id;
        },
        get idInInstance() {
          return vu.id;
        },
        get iterationInScenario() {
          return vu.position.iterationInScenario;
        },
      },
      test: { abort: (reason?: string) => vu.shared.abort(reason ?? "test.abort() called") },
    };
  }
}

/**
 * A module whose default export is itself: `import exec from "k6/execution"` then reads the
 * same object (getters intact) whether the bundle treats the import as ESM or CommonJS.
 */
function withDefault(module: Record<string, unknown>): Record<string, unknown> {
  Object.defineProperty(module, "default", { value: module, enumerable: false });
  return module;
}

/** The asynchronous part of k6/http (the blocking calls would stall every socket of the VU). */
function httpModule(hold: () => () => void): Record<string, unknown> {
  const refuse = () => {
    throw new Error("blocking k6/http calls are not supported here: use http.asyncRequest");
  };
  return {
    get: refuse,
    post: refuse,
    request: refuse,
    asyncRequest: async (
      method: string,
      url: string,
      body?: string | null,
      params?: { headers?: Record<string, string> },
    ) => {
      // A request in flight keeps the iteration open, as k6's event loop does.
      const release = hold();
      try {
        const res = await fetch(url, {
          method,
          headers: params?.headers ?? {},
          ...(body == null ? {} : { body }),
          signal: AbortSignal.timeout(60_000),
        });
        return { status: res.status, body: await res.text() };
      } catch (error) {
        return { status: 0, body: null, error: String(error) };
      } finally {
        setImmediate(release);
      }
    },
  };
}

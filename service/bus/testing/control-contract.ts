// The behaviour every ControlPlane must have, as a vitest suite run against each implementation:
// `describeControlPlane("memory", factory)`. The factory makes planes that see each other (one
// group, one Redis); each test makes its own, under fresh node ids.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { UnavailableError } from "../../errors.js";
import { type ControlCommand, type ControlPlane, MAX_CONTROL_IN_FLIGHT } from "../control.js";

/** A new plane, in the same cluster as every other plane this factory made in this test file. */
export type ControlPlaneFactory = (nodeId: string) => ControlPlane;

const TIMEOUT_MS = 2_000;

export function describeControlPlane(name: string, factory: ControlPlaneFactory): void {
  describe(`ControlPlane contract: ${name}`, () => {
    const planes: ControlPlane[] = [];
    const tag = randomBytes(3).toString("hex");

    /** A started plane whose handler answers `{node, kind, body}` (or as `handler` says). */
    async function plane(
      label: string,
      handler?: (c: ControlCommand) => Promise<unknown>,
    ): Promise<ControlPlane> {
      const p = factory(`${label}-${tag}`);
      planes.push(p);
      await p.start(handler ?? (async (c) => ({ node: p.nodeId, kind: c.kind, body: c.body })));
      return p;
    }

    afterEach(async () => {
      await Promise.all(planes.splice(0).map((p) => p.stop()));
    });

    it("asks every live node, itself included, and gets each answer once", async () => {
      const a = await plane("a");
      const b = await plane("b");
      const g = await a.gather({ kind: "echo", body: { x: 1 } }, TIMEOUT_MS);
      expect(g).toMatchObject({ expected: 2, missing: [], partial: false });
      expect(g.answers).toEqual(
        [a, b]
          .map((p) => ({
            node: p.nodeId,
            ok: true,
            body: { node: p.nodeId, kind: "echo", body: { x: 1 } },
          }))
          .sort((x, y) => x.node.localeCompare(y.node)),
      );
      expect((await b.gather({ kind: "echo", body: {} }, TIMEOUT_MS)).answers).toHaveLength(2);
    });

    it("answers partial at the timeout when a node does not answer, naming it", async () => {
      const a = await plane("a");
      const silent = await plane("silent", () => new Promise(() => {}));
      const t0 = Date.now();
      const g = await a.gather({ kind: "echo", body: {} }, 300);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(g).toMatchObject({ expected: 2, missing: [silent.nodeId], partial: true });
      expect(g.answers.map((x) => x.node)).toEqual([a.nodeId]);
    });

    it("reports a node whose handler failed as a failed answer, with its message", async () => {
      const a = await plane("a");
      const broken = await plane("broken", async () => {
        throw new Error("no such command here");
      });
      const g = await a.gather({ kind: "echo", body: {} }, TIMEOUT_MS);
      expect(g.partial).toBe(false);
      expect(g.answers.find((x) => x.node === broken.nodeId)).toEqual({
        node: broken.nodeId,
        ok: false,
        error: "no such command here",
      });
    });

    it("forgets a stopped node at once", async () => {
      const a = await plane("a");
      const b = await plane("b");
      await b.stop();
      const g = await a.gather({ kind: "echo", body: {} }, TIMEOUT_MS);
      expect(g).toMatchObject({ expected: 1, missing: [], partial: false });
    });

    it(`refuses more than ${MAX_CONTROL_IN_FLIGHT} commands waiting at once, then works again`, async () => {
      const a = await plane("a");
      await plane("silent", () => new Promise(() => {}));
      const waiting = Array.from({ length: MAX_CONTROL_IN_FLIGHT }, () =>
        a.gather({ kind: "echo", body: {} }, 500),
      );
      await expect(a.gather({ kind: "echo", body: {} }, 500)).rejects.toBeInstanceOf(
        UnavailableError,
      );
      const all = await Promise.all(waiting);
      expect(all.every((g) => g.partial)).toBe(true);
      expect((await a.gather({ kind: "echo", body: {} }, 500)).answers).toHaveLength(1);
    });

    it("refuses commands once stopped", async () => {
      const a = await plane("a");
      await a.stop();
      await expect(a.gather({ kind: "echo", body: {} }, TIMEOUT_MS)).rejects.toBeInstanceOf(
        UnavailableError,
      );
    });
  });
}

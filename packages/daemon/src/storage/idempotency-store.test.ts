import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDataDir, tempDir } from "roster-workspace/test/support/daemon.ts";
import { openPgliteStorage } from "../storage/pglite-storage.ts";
import type { Storage } from "../storage/storage.ts";
import {
  canonicalJson,
  claimKey,
  IDEMPOTENCY_TTL_MS,
  pruneIdempotencyKeys,
  requestHash,
  storeResponse,
  type IdempotencyKey,
} from "./idempotency-store.ts";

let dir: string;
let storage: Storage;

beforeAll(async () => {
  dir = tempDir();
  await seedDataDir(dir);
  storage = await openPgliteStorage({ dataDir: dir });
});
afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const key = (k: string, body: unknown = { a: 1 }, scope = "user-1"): IdempotencyKey => ({
  scope,
  key: k,
  requestHash: requestHash("POST", "/x", body),
});

describe("idempotency store", () => {
  it("claims a new key, replays the stored response, refuses another request under the key", async () => {
    const now = Date.now();
    const k = key("k1");
    await storage.transaction(async (tx) => {
      expect(await claimKey(tx, k, now)).toEqual({ kind: "new" });
      await storeResponse(tx, k, { status: 201, body: { id: "x", token: "secret-token" } });
    });
    expect(await storage.transaction((tx) => claimKey(tx, k, now))).toEqual({
      kind: "replay",
      response: { status: 201, body: { id: "x", token: "secret-token" } },
    });
    expect(await storage.transaction((tx) => claimKey(tx, key("k1", { a: 2 }), now))).toEqual({
      kind: "mismatch",
    });
    // Another caller's identical key is another key.
    expect(
      await storage.transaction((tx) => claimKey(tx, key("k1", { a: 1 }, "user-2"), now)),
    ).toEqual({
      kind: "new",
    });
    // Stored without the secret in clear, and without the key itself.
    const rows = await storage.query<{ key_hash: string; response: string }>(
      "select key_hash, response from idempotency",
    );
    for (const r of rows.rows) {
      expect(r.response ?? "").not.toContain("secret-token");
      expect(r.key_hash).not.toContain("k1");
    }
  });

  it("a claim rolled back with its transaction leaves the key free", async () => {
    const k = key("k2");
    await expect(
      storage.transaction(async (tx) => {
        await claimKey(tx, k, Date.now());
        throw new Error("crash before commit");
      }),
    ).rejects.toThrow("crash");
    expect(await storage.transaction((tx) => claimKey(tx, k, Date.now()))).toEqual({ kind: "new" });
  });

  it("an empty (204) response replays as empty", async () => {
    const k = key("k3");
    await storage.transaction(async (tx) => {
      await claimKey(tx, k, Date.now());
      await storeResponse(tx, k, { status: 204 });
    });
    expect(await storage.transaction((tx) => claimKey(tx, k, Date.now()))).toEqual({
      kind: "replay",
      response: { status: 204 },
    });
  });

  it("keys are kept for the TTL (at least 24 h) and pruned after", async () => {
    const now = Date.now();
    const old = key("old");
    await storage.transaction(async (tx) => {
      await claimKey(tx, old, now - IDEMPOTENCY_TTL_MS - 1000);
      await storeResponse(tx, old, { status: 204 });
    });
    const recent = key("recent");
    await storage.transaction(async (tx) => {
      await claimKey(tx, recent, now - 24 * 3600 * 1000 - 1000);
      await storeResponse(tx, recent, { status: 204 });
    });
    await pruneIdempotencyKeys(storage, now);
    expect((await storage.transaction((tx) => claimKey(tx, recent, now))).kind).toBe("replay");
    expect((await storage.transaction((tx) => claimKey(tx, old, now))).kind).toBe("new");
  });

  it("a request is hashed as canonical JSON: key order, at any depth, does not matter", () => {
    const a = {
      email: "x@example.com",
      role: "owner",
      nested: { b: [2, { d: 1, c: 0 }], a: null },
    };
    const b = {
      nested: { a: null, b: [2, { c: 0, d: 1 }] },
      role: "owner",
      email: "x@example.com",
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe(
      '{"email":"x@example.com","nested":{"a":null,"b":[2,{"c":0,"d":1}]},"role":"owner"}',
    );
    expect(requestHash("POST", "/x", a)).toBe(requestHash("POST", "/x", b));
    // Arrays keep their order; values still count.
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(requestHash("POST", "/x", { ...a, role: "admin" })).not.toBe(
      requestHash("POST", "/x", b),
    );
  });
});

import { describe, expect, it } from "vitest";
import type { AuthenticatedUser } from "../storage/read-queries.ts";
import { TokenCache } from "./token-cache.ts";

const token = (n: number, expiresAt: number | null = null): AuthenticatedUser => ({
  id: `u${n}`,
  email: `u${n}@example.com`,
  name: "",
  tokenHash: `h${n}`,
  tokenID: `t${n}`,
  tokenExpiresAt: expiresAt,
});

describe("TokenCache", () => {
  it("answers a stored token until it expires", () => {
    const c = new TokenCache();
    c.store(token(1, 1000), c.generation);
    expect(c.get("h1", 999)?.tokenID).toBe("t1");
    expect(c.get("h1", 1000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it("forgets a revoked token, and drops what a read begun before the revocation found", () => {
    const c = new TokenCache();
    c.store(token(1), c.generation);
    c.store(token(2), c.generation);
    const before = c.generation; // a read of t1 begins…
    c.forget("t1"); // …the revocation commits meanwhile…
    c.store(token(1), before); // …and the read's stale answer comes back
    expect(c.get("h1", 0)).toBeUndefined();
    expect(c.get("h2", 0)?.tokenID).toBe("t2");
    c.store(token(1), c.generation); // a read after the revocation would not find it; if it did:
    expect(c.get("h1", 0)?.tokenID).toBe("t1");
  });

  it("readThrough keeps what a read found, unless the token was revoked while it ran", async () => {
    const c = new TokenCache();
    expect(
      await c.readThrough(
        async () => token(1),
        (t) => t,
      ),
    ).toMatchObject({ tokenID: "t1" });
    expect(c.get("h1", 0)?.tokenID).toBe("t1");
    const stale = await c.readThrough(
      async () => {
        c.forget("t2"); // the revocation commits while the read runs
        return { user: token(2) };
      },
      (r) => r.user,
    );
    expect(stale.user.tokenID).toBe("t2"); // the caller gets its answer…
    expect(c.get("h2", 0)).toBeUndefined(); // …but it is not kept
  });

  it("clear() forgets everything and fences reads in flight", () => {
    const c = new TokenCache();
    c.store(token(1), c.generation);
    const before = c.generation;
    c.clear();
    c.store(token(2), before);
    expect(c.size).toBe(0);
  });

  it("keeps at most `max` tokens, dropping the least recently stored", () => {
    const c = new TokenCache(2);
    for (const n of [1, 2, 3]) c.store(token(n), c.generation);
    expect([c.get("h1", 0), c.get("h2", 0), c.get("h3", 0)].map((t) => t?.tokenID)).toEqual([
      undefined,
      "t2",
      "t3",
    ]);
  });
});

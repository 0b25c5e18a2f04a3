/**
 * R13: API tokens have a lifecycle, through real HTTP, real sockets and the
 * real `roster` executable. A user lists their own tokens (never a secret),
 * creates more (shown once, optional expiry) and revokes any; a revoked or
 * expired token fails on its very next request, and the live sessions
 * opened with it are closed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE, type ApiToken } from "@roster/core";
import { roster, tempDir } from "./cli-support.ts";
import {
  http,
  startInProcessDaemon,
  statementsDuring,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { eventually, record, upgradeStatus } from "./live-helpers.ts";

/** The daemon's clock runs `skewMs` ahead of the real one (moved by tests of expiry). */
let skewMs = 0;
let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    now: () => Date.now() + skewMs,
    live: { pingIntervalMs: 200, helloTimeoutMs: 30_000, closeGraceMs: 500 },
  });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

async function create(token: string, body: object = {}): Promise<ApiToken & { token: string }> {
  const r = await http(d.url, "POST", "/api/v2/tokens", { token, json: body });
  expect(r.status).toBe(201);
  return r.body as ApiToken & { token: string };
}
const list = async (token: string) =>
  (await http(d.url, "GET", "/api/v2/tokens", { token })).body.tokens as ApiToken[];
const me = async (token: string) => (await http(d.url, "GET", "/api/v2/me", { token })).status;

describe("API", () => {
  it("lists the caller's tokens: id, description, created, last used, expiry, which one asks — never a secret", async () => {
    const r = await http(d.url, "GET", "/api/v2/tokens", { token: owner.token });
    expect(r.status).toBe(200);
    const [first] = r.body.tokens as ApiToken[];
    expect(first).toMatchObject({
      description: "first token (setup)",
      expiresAt: null,
      current: true,
    });
    expect(Object.keys(first!).sort()).toEqual(
      ["createdAt", "current", "description", "expiresAt", "id", "lastUsedAt"].sort(),
    );
    expect(r.text).not.toContain(owner.token);
    expect(r.text).not.toMatch(/roster_tok_|hash/);
    await eventually(async () => expect((await list(owner.token))[0]!.lastUsedAt).not.toBeNull());
  });

  it("creates a token shown once, with a description and an expiry; it works at once", async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await create(owner.token, { description: "ci", expiresAt });
    expect(created.token).toMatch(/^roster_tok_/);
    expect(created).toMatchObject({
      description: "ci",
      expiresAt,
      lastUsedAt: null,
      current: false,
    });
    expect(await me(created.token)).toBe(200);
    const listed = (await list(owner.token)).find((t) => t.id === created.id);
    expect(listed).toMatchObject({ description: "ci", expiresAt, current: false });
    expect(JSON.stringify(await list(owner.token))).not.toContain(created.token);
  });

  it("refuses an expiry in the past and malformed bodies, creating nothing", async () => {
    const before = (await list(owner.token)).length;
    const past = await http(d.url, "POST", "/api/v2/tokens", {
      token: owner.token,
      json: { expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(past.body.reason).toBe("invalid_expiry");
    for (const json of [{ expiresAt: "tomorrow" }, { description: 42 }, { secret: "x" }]) {
      const r = await http(d.url, "POST", "/api/v2/tokens", { token: owner.token, json });
      expect(r.status, JSON.stringify(json)).toBe(400);
    }
    expect((await list(owner.token)).length).toBe(before);
  });

  it("a revoked token fails on its very next request; revoking it again, or a made-up id, is 404", async () => {
    const t = await create(owner.token, { description: "to revoke" });
    expect(await me(t.token)).toBe(200);
    const del = await http(d.url, "DELETE", `/api/v2/tokens/${t.id}`, { token: owner.token });
    expect(del.status).toBe(204);
    const after = await http(d.url, "GET", "/api/v2/me", { token: t.token });
    expect(after.status).toBe(401);
    expect(after.body.reason).toBe("unauthorized");
    expect((await list(owner.token)).some((x) => x.id === t.id)).toBe(false);
    const again = await http(d.url, "DELETE", `/api/v2/tokens/${t.id}`, { token: owner.token });
    const madeUp = await http(d.url, "DELETE", "/api/v2/tokens/0123456789abcdef", {
      token: owner.token,
    });
    expect(again.status).toBe(404);
    expect(again.body).toEqual(madeUp.body);
    expect(madeUp.body.reason).toBe("token_not_found");
  });

  it("kept in memory after its first use, a token still fails on the very next request once revoked or expired (org routes too)", async () => {
    const members = async (token: string) =>
      (await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/members`, { token })).status;
    const revoked = await create(owner.token, { description: "in memory" });
    const expiring = await create(owner.token, {
      expiresAt: new Date(Date.now() + skewMs + 60_000).toISOString(),
    });
    for (const t of [revoked, expiring]) {
      expect(await members(t.token)).toBe(200);
      expect(await me(t.token)).toBe(200);
    }
    // Served from memory now: token, membership and the list need no statement.
    const statements = await statementsDuring(d.daemon, async () => {
      expect(await members(revoked.token)).toBe(200);
      expect(await me(revoked.token)).toBe(200);
    });
    expect(statements).toBe(0);
    const del = await http(d.url, "DELETE", `/api/v2/tokens/${revoked.id}`, { token: owner.token });
    expect(del.status).toBe(204);
    expect(await members(revoked.token)).toBe(401);
    expect(await me(revoked.token)).toBe(401);
    skewMs += 61_000;
    try {
      expect(await members(expiring.token)).toBe(401);
      expect(await me(expiring.token)).toBe(401);
    } finally {
      skewMs -= 61_000;
    }
  });

  it("a token can revoke itself", async () => {
    const t = await create(owner.token);
    expect((await http(d.url, "DELETE", `/api/v2/tokens/${t.id}`, { token: t.token })).status).toBe(
      204,
    );
    expect(await me(t.token)).toBe(401);
  });

  it("nobody sees or revokes another user's tokens: their ids answer like made-up ones", async () => {
    const inv = await d
      .client(owner.token)
      .createInvite(owner.orgID, { email: "tess@example.com" });
    const tess = await d.client().acceptInvite({ token: await d.activationToken(inv.id) });
    const tessTokens = await list(tess.token!);
    expect(tessTokens).toHaveLength(1);
    expect((await list(owner.token)).some((t) => t.id === tessTokens[0]!.id)).toBe(false);
    const theirs = await http(d.url, "DELETE", `/api/v2/tokens/${tessTokens[0]!.id}`, {
      token: owner.token,
    });
    const madeUp = await http(d.url, "DELETE", "/api/v2/tokens/fedcba9876543210", {
      token: owner.token,
    });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(madeUp.body);
    expect(await me(tess.token!)).toBe(200);
  });
});

describe("live sessions", () => {
  it("revoking a token closes its live sessions (said hello or not) before the 204; the owner's other sessions stay", async () => {
    const t = await create(owner.token, { description: "tui" });
    const live = await record(d.url, owner.orgID, t.token);
    live.hello(0);
    await live.next((m) => m.type === "ready");
    const silent = await record(d.url, owner.orgID, t.token);
    const other = await record(d.url, owner.orgID, owner.token);
    other.hello(0);
    await other.next((m) => m.type === "ready");

    const revokedBefore = d.daemon.live.hub.stats().revoked;
    await d.client(owner.token).revokeToken(t.id);
    expect(d.daemon.live.hub.stats().revoked).toBe(revokedBefore + 2);
    expect((await live.closed).code).toBe(CLOSE.revoked);
    expect((await silent.closed).code).toBe(CLOSE.revoked);
    expect(live.messages.at(-1)).toMatchObject({ type: "revoked" });
    expect(await upgradeStatus(d.url, owner.orgID, `Token ${t.token}`)).toBe(401);

    await d.client(owner.token).createInvite(owner.orgID, { email: "after-revoke@example.com" });
    await other.next((m) => m.type === "change");
    expect(other.ws.readyState).toBe(other.ws.OPEN);
    expect(silent.messages.map((m) => m.type)).toEqual(["revoked"]);
    other.close();
  });

  it("a token revoked in the database while its socket waits is refused at hello", async () => {
    const t = await create(owner.token);
    const r = await record(d.url, owner.orgID, t.token);
    // Revoked behind the daemon's back (no route, no NOTIFY): only the check at hello sees it.
    await d.daemon.storage.query("update api_tokens set revoked_at = now() where id = $1", [t.id]);
    r.hello(0);
    expect((await r.closed).code).toBe(CLOSE.revoked);
    expect(r.messages.map((m) => m.type)).toEqual(["revoked"]);
  });

  it("a token's expiry closes its live session when it comes", async () => {
    const t = await create(owner.token, {
      expiresAt: new Date(Date.now() + skewMs + 1500).toISOString(),
    });
    const r = await record(d.url, owner.orgID, t.token);
    r.hello(0);
    await r.next((m) => m.type === "ready");
    expect((await r.closed).code).toBe(CLOSE.revoked);
    expect(r.messages.at(-1)).toMatchObject({
      type: "revoked",
      message: expect.stringMatching(/expired/),
    });
    expect(await me(t.token)).toBe(401);
  });
});

describe("expiry by the daemon's clock", () => {
  it("an expired token is refused at once (401) on every route and the live upgrade", async () => {
    const t = await create(owner.token, {
      description: "a day",
      expiresAt: new Date(Date.now() + skewMs + 86_400_000).toISOString(),
    });
    const r = await record(d.url, owner.orgID, t.token);
    r.hello(0);
    await r.next((m) => m.type === "ready");
    expect(await me(t.token)).toBe(200);
    skewMs += 86_400_000 + 1000; // a day later
    try {
      expect(await me(t.token)).toBe(401);
      const members = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/members`, {
        token: t.token,
      });
      expect(members.status).toBe(401);
      expect(await upgradeStatus(d.url, owner.orgID, `Token ${t.token}`)).toBe(401);
      // Its session, opened while it was valid, is closed by the next tick.
      expect((await r.closed).code).toBe(CLOSE.revoked);
      // Listed as it is, so its owner can see it expired.
      expect((await list(owner.token)).find((x) => x.id === t.id)?.expiresAt).toBe(t.expiresAt);
    } finally {
      skewMs = 0;
    }
  });
});

describe("roster tokens", { timeout: 60_000 }, () => {
  it("create, list and revoke round trip through the CLI", async () => {
    const home = await tempDir("roster-tokens-");
    try {
      await mkdir(join(home.path, "roster"), { recursive: true });
      await writeFile(
        join(home.path, "roster", "config.json"),
        JSON.stringify({ url: d.url, token: owner.token, org: owner.orgID }),
      );
      const run = (args: string[]) => roster(args, { configHome: home.path });

      const made = await run([
        "tokens",
        "create",
        "--description",
        "deploy",
        "--expires",
        "30d",
        "--json",
      ]);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      const created = JSON.parse(made.stdout) as ApiToken & { token: string };
      expect(created.token).toMatch(/^roster_tok_/);
      expect(created.description).toBe("deploy");
      const days = (Date.parse(created.expiresAt!) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThan(30.1);

      const table = await run(["tokens", "list"]);
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^ID\s+Description\s+Created\s+Last used\s+Expires$/);
      const row = lines.find((l) => l.startsWith(created.id));
      expect(row).toMatch(/deploy/);
      expect(row).toMatch(/never\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
      expect(lines.some((l) => l.includes("(this one)"))).toBe(true);
      expect(table.stdout).not.toContain("roster_tok_");

      const revoked = await run(["tokens", "revoke", created.id]);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(`Revoked the API token ${created.id}`);
      expect(await me(created.token)).toBe(401);
      const listed = JSON.parse((await run(["tokens", "list", "--json"])).stdout) as ApiToken[];
      expect(listed.some((t) => t.id === created.id)).toBe(false);

      const bad = await run(["tokens", "create", "--expires", "someday"]);
      expect(bad.code).toBe(2);
      const gone = await run(["tokens", "revoke", created.id]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain("(not found: token_not_found)");
    } finally {
      await home.remove();
    }
  });
});

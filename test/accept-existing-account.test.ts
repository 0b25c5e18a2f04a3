/**
 * R9: an invitation link is not a key to an account. Through real HTTP and
 * the real `roster` executable: an invitation to an email that already has
 * an account is accepted only by that account, signed in with its own token
 * (membership added, no token issued); without it the answer is 401
 * `sign_in_required` and the activation page says how (`roster accept
 * <link>`). A new email keeps the old flow: an account and its first token.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roster, tempDir } from "./cli-support.ts";
import {
  http,
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";

let d: InProcessDaemon;
let owner: OrgSetup;
/** Ann: an account made by accepting an invitation to the owner's first org. */
let ann: { userID: string; token: string; email: string };

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false, resendIntervalS: 0 });
  owner = await d.setupOrg({ org: "First" });
  const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "ann@example.com" });
  const r = await d.client().acceptInvite({ token: await d.activationToken(inv.id), name: "Ann" });
  ann = { userID: r.user.id, token: r.token!, email: r.user.email };
});
afterAll(async () => {
  await d?.close();
});

let orgSeq = 0;
/** A new org of the owner with a pending invitation to `email`; its link's token. */
async function invitation(email: string): Promise<{ orgID: string; token: string; id: string }> {
  const org = await d.client(owner.token).createOrg(`Org ${++orgSeq}`);
  const inv = await d.client(owner.token).createInvite(org.id, { email });
  return { orgID: org.id, token: await d.activationToken(inv.id), id: inv.id };
}

async function memberIDs(orgID: string): Promise<string[]> {
  return (await d.client(owner.token).listMembers(orgID)).members.map((m) => m.userID);
}

async function tokenCount(userID: string): Promise<number> {
  const r = await d.daemon.storage.query<{ n: number | string }>(
    "select count(*) as n from api_tokens where user_id = $1",
    [userID],
  );
  return Number(r.rows[0]?.n);
}

const signInRequired = {
  code: "unauthorized",
  reason: "sign_in_required",
  message: expect.stringContaining("roster accept <link>") as unknown,
};

describe("API: POST /api/v2/invites/accept", () => {
  it("the link alone (no Authorization) is refused for an existing account: 401 sign_in_required, nothing changes", async () => {
    const inv = await invitation(ann.email);
    const tokensBefore = await tokenCount(ann.userID);
    const r = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token: inv.token } });
    expect(r.status).toBe(401);
    expect(r.body).toEqual(signInRequired);
    expect(r.body.message).toContain(ann.email);
    expect(r.headers.get("www-authenticate")).toBe('Token realm="roster"');
    expect(r.text).not.toMatch(/roster_tok_/);
    expect(await memberIDs(inv.orgID)).not.toContain(ann.userID);
    expect(await tokenCount(ann.userID)).toBe(tokensBefore);
    const listed = await d.client(owner.token).listInvites(inv.orgID);
    expect(listed.invites.find((i) => i.id === inv.id)?.status).toBe("pending");
  });

  it("signed in as another account: 401 sign_in_required; an unknown token: 401 unauthorized", async () => {
    const inv = await invitation(ann.email);
    const asOwner = await http(d.url, "POST", "/api/v2/invites/accept", {
      token: owner.token,
      json: { token: inv.token },
    });
    expect(asOwner.status).toBe(401);
    expect(asOwner.body).toEqual(signInRequired);
    const unknown = await http(d.url, "POST", "/api/v2/invites/accept", {
      token: "roster_tok_not-a-real-token",
      json: { token: inv.token },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.reason).toBe("unauthorized");
    expect(await memberIDs(inv.orgID)).not.toContain(ann.userID);
  });

  it("signed in as the invited account: the membership is added and no token is issued", async () => {
    const inv = await invitation(ann.email);
    const tokensBefore = await tokenCount(ann.userID);
    // The same Idempotency-Key first without, then with the token: a 401 is not the key's answer.
    const key = `accept-${inv.id}`;
    const anon = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: inv.token },
      headers: { "Idempotency-Key": key },
    });
    expect(anon.status).toBe(401);
    const r = await http(d.url, "POST", "/api/v2/invites/accept", {
      token: ann.token,
      json: { token: inv.token },
      headers: { "Idempotency-Key": key },
    });
    expect(r.status).toBe(200);
    expect(r.body.user).toEqual({ id: ann.userID, email: ann.email, name: "Ann" });
    expect(r.body.org.id).toBe(inv.orgID);
    expect(r.body).not.toHaveProperty("token");
    expect(r.text).not.toMatch(/roster_tok_/);
    expect(await memberIDs(inv.orgID)).toContain(ann.userID);
    expect(await tokenCount(ann.userID)).toBe(tokensBefore);
    // Used once.
    const again = await http(d.url, "POST", "/api/v2/invites/accept", {
      token: ann.token,
      json: { token: inv.token },
    });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe("invite_accepted");
  });

  it("a dead link says why it is dead, before anything about signing in", async () => {
    const inv = await invitation(ann.email);
    await d.client(owner.token).withdrawInvite(inv.orgID, inv.id);
    const r = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token: inv.token } });
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe("invite_withdrawn");
  });

  it("a new email keeps today's flow: a new account and its first token", async () => {
    const inv = await invitation("newcomer@example.com");
    const r = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token: inv.token } });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatch(/^roster_tok_/);
    expect(r.body.user.email).toBe("newcomer@example.com");
    const me = await http(d.url, "GET", "/api/v2/me", { token: r.body.token });
    expect(me.body.id).toBe(r.body.user.id);
  });
});

describe("activation page", () => {
  it("for an existing account, the page shows no form but `roster accept <link>`", async () => {
    const inv = await invitation(ann.email);
    const link = `${d.url}/activate/${inv.token}`;
    const page = await http(d.url, "GET", `/activate/${inv.token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`roster accept ${link}`);
    expect(page.text).toContain("already has a Roster account");
    expect(page.text).not.toContain("<form");
  });

  it("its form, POSTed anyway, is answered 401 with the same explanation; nothing changes", async () => {
    const inv = await invitation(ann.email);
    const link = `${d.url}/activate/${inv.token}`;
    const r = await http(d.url, "POST", `/activate/${inv.token}`, {
      raw: "name=Mallory",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.text).toContain(`roster accept ${link}`);
    expect(r.text).not.toMatch(/roster_tok_/);
    expect(await memberIDs(inv.orgID)).not.toContain(ann.userID);
  });

  it("for a new email, the page keeps its form, and the form creates the account with its token", async () => {
    const inv = await invitation("form-newcomer@example.com");
    const page = await http(d.url, "GET", `/activate/${inv.token}`);
    expect(page.text).toContain("<form");
    const r = await http(d.url, "POST", `/activate/${inv.token}`, {
      raw: "name=Newcomer",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/roster_tok_/);
  });
});

describe("roster accept <link>", { timeout: 60_000 }, () => {
  async function configHome(config: object | undefined) {
    const home = await tempDir("roster-accept-");
    if (config) {
      await mkdir(join(home.path, "roster"), { recursive: true });
      await writeFile(join(home.path, "roster", "config.json"), JSON.stringify(config));
    }
    return home;
  }

  it("where the account is signed in, sends its saved token: joins, keeps the token, sets the org", async () => {
    const inv = await invitation(ann.email);
    const home = await configHome({ url: d.url, token: ann.token, org: owner.orgID });
    try {
      const link = `${d.url}/activate/${inv.token}`;
      const r = await roster(["accept", link], { configHome: home.path });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("existing account (no new token)");
      const saved = JSON.parse(
        await readFile(join(home.path, "roster", "config.json"), "utf8"),
      ) as Record<string, string>;
      expect(saved).toMatchObject({ url: d.url, token: ann.token, org: inv.orgID });
      expect(await memberIDs(inv.orgID)).toContain(ann.userID);
    } finally {
      await home.remove();
    }
  });

  it("signed out (no saved token), it is refused with the daemon's explanation (exit 1)", async () => {
    const inv = await invitation(ann.email);
    const home = await configHome(undefined);
    try {
      const r = await roster(["accept", `${d.url}/activate/${inv.token}`], {
        configHome: home.path,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("roster accept <link>");
      expect(r.stderr).toContain("(unauthorized: sign_in_required)");
      expect(await memberIDs(inv.orgID)).not.toContain(ann.userID);
    } finally {
      await home.remove();
    }
  });

  it("a stale saved token does not stop a new email from joining", async () => {
    const inv = await invitation("fresh-cli@example.com");
    const home = await configHome({ url: d.url, token: "roster_tok_revoked-long-ago" });
    try {
      const r = await roster(["accept", `${d.url}/activate/${inv.token}`], {
        configHome: home.path,
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const saved = JSON.parse(
        await readFile(join(home.path, "roster", "config.json"), "utf8"),
      ) as Record<string, string>;
      expect(saved.token).toMatch(/^roster_tok_/);
      expect(saved.token).not.toBe("roster_tok_revoked-long-ago");
    } finally {
      await home.remove();
    }
  });
});

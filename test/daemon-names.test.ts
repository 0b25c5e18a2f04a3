/**
 * R15 over real HTTP: every name field (setup's org and name, a new org's
 * name, the name given at accept, by JSON or by the activation page's form)
 * refuses control characters and invisible format characters with 400
 * invalid, reason invalid_name, a message naming the character — and
 * nothing is created.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startInProcessDaemon, type InProcessDaemon } from "./support/daemon.ts";

let d: InProcessDaemon;

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false, resendIntervalS: 0 });
});
afterAll(async () => {
  await d?.close();
});

const RLO = "\u202E";
const refusal = (field: "organization" | "user", what: string) => ({
  code: "invalid",
  reason: "invalid_name",
  message: `The ${field} name contains ${what}. Names must be printable text.`,
});

async function counts() {
  const r = await d.daemon.storage.query<{ orgs: number; users: number; members: number }>(
    `select (select count(*) from orgs)::int as orgs, (select count(*) from users)::int as users,
            (select count(*) from memberships)::int as members`,
  );
  return r.rows[0];
}

describe("R15: names are printable text", () => {
  let owner: { token: string; orgID: string };

  it("setup refuses an org name or a user name with a control or bidi character; nothing is set up", async () => {
    const before = await counts();
    const badOrg = await http(d.url, "POST", "/api/v2/setup", {
      json: { org: `Acme${RLO}gnp.exe`, email: "o@example.com" },
    });
    expect(badOrg.status).toBe(400);
    expect(badOrg.body).toEqual(refusal("organization", "a bidirectional override (U+202E)"));
    const badUser = await http(d.url, "POST", "/api/v2/setup", {
      json: { org: "Acme", email: "o@example.com", name: "Olive\u009b2J" },
    });
    expect(badUser.status).toBe(400);
    expect(badUser.body).toEqual(refusal("user", "a control character (U+009B)"));
    expect(await counts()).toEqual(before);
    expect((await http(d.url, "GET", "/api/v2/setup")).body).toEqual({ allowed: true });

    const ok = await http(d.url, "POST", "/api/v2/setup", {
      json: { org: "Zoë & Co — 株式会社", email: "o@example.com", name: "Team 👩\u200D💻" },
    });
    expect(ok.status).toBe(201);
    owner = { token: ok.body.token, orgID: ok.body.org.id };
  });

  it("a new org's name: a newline or a zero-width space is refused, nothing created", async () => {
    const before = await counts();
    for (const [name, what] of [
      ["Acme\nInc", "a control character (U+000A)"],
      ["Ac\u200Bme", "an invisible format character (U+200B)"],
      ["\u2066Acme", "a bidirectional override (U+2066)"],
    ] as const) {
      const r = await http(d.url, "POST", "/api/v2/orgs", { token: owner.token, json: { name } });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(refusal("organization", what));
    }
    expect(await counts()).toEqual(before);
  });

  it("accept: the name given (JSON, or the activation form) is checked; the invitation stays usable", async () => {
    const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "n@example.com" });
    const token = await d.activationToken(inv.id);
    const before = await counts();
    const json = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token, name: `Nina${RLO}` },
    });
    expect(json.status).toBe(400);
    expect(json.body).toEqual(refusal("user", "a bidirectional override (U+202E)"));
    const form = await http(d.url, "POST", `/activate/${token}`, {
      raw: new URLSearchParams({ name: "Nina\u200F" }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(400);
    expect(form.text).toContain("The user name contains a bidirectional mark (U+200F).");
    expect(await counts()).toEqual(before);

    const ok = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token, name: "Nina" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user.name).toBe("Nina");
  });
});

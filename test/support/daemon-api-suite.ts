/**
 * The HTTP API contract (SPEC §1–§2), over real HTTP against one daemon per
 * test file: every endpoint's success path and every reason slug. Defined
 * once and run against each storage backend (PGlite, PostgreSQL server).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errors, INVITE_TTL_MS, PENDING_LIMIT, type Invite } from "@roster/core";
import { RosterApiError, type RosterClient } from "@roster/core/client";
import { http, type InProcessDaemon, type InProcessOptions, type OrgSetup } from "./daemon.ts";

export type StartBackend = (opts: InProcessOptions) => Promise<InProcessDaemon>;

/** Expect a refused client call: status, code and reason. */
export async function expectRefused(
  p: Promise<unknown>,
  status: number,
  reason?: string,
): Promise<RosterApiError> {
  const e = await p.then(
    () => {
      throw new Error(
        `expected HTTP ${status}${reason ? ` (${reason})` : ""}, but the call succeeded`,
      );
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RosterApiError);
  const api = e as RosterApiError;
  expect({ status: api.status, reason: api.reason }).toEqual({ status, reason });
  return api;
}

export function defineApiSuite(label: string, start: StartBackend): void {
  describe(`HTTP API (${label})`, () => {
    const clock = { offset: 0 };
    let d: InProcessDaemon;
    let owner: OrgSetup;
    let c: RosterClient;

    beforeAll(async () => {
      // mail: false keeps activation tokens in the outbox, where tests read them.
      d = await start({ mail: false, now: () => Date.now() + clock.offset });
    });
    afterAll(async () => {
      await d?.close();
    });

    /** A fresh org for one test, owned by the first owner. */
    async function newOrg(name = "Test org"): Promise<string> {
      return (await c.createOrg(name)).id;
    }
    /** Invite `email` into `orgID` and accept: the new member's client and ids. */
    /** Invite and accept; `signedIn`: the token of the account the email already has (R9). */
    async function addMember(orgID: string, email: string, name = "", signedIn?: string) {
      const inv = await c.createInvite(orgID, { email });
      const token = await d.activationToken(inv.id);
      const acc = await d.client(signedIn).acceptInvite({ token, ...(name ? { name } : {}) });
      const apiToken = acc.token ?? signedIn!;
      return { client: d.client(apiToken), userID: acc.user.id, token: apiToken, invite: inv };
    }
    async function orgVersion(orgID: string): Promise<number> {
      return (await c.changes(orgID, 0)).version;
    }

    describe("setup", () => {
      it("is allowed before any org exists, refuses bad input, then creates org, owner and token once", async () => {
        expect(await d.client().setupStatus()).toEqual({ allowed: true });
        await expectRefused(
          d.client().setup({ org: "Acme", email: "not an email" }),
          400,
          "invalid_email",
        );
        await expectRefused(
          d.client().setup({ org: "Acme", email: "a@example.com, b@example.com" }),
          400,
          "multiple_emails",
        );
        const bad = await http(d.url, "POST", "/api/v2/setup", {
          json: { org: "", email: "a@example.com" },
        });
        expect(bad.status).toBe(400);
        expect(bad.body).toMatchObject({ code: "invalid", reason: "invalid_body" });
        expect(await d.client().setupStatus()).toEqual({ allowed: true });

        const res = await http(d.url, "POST", "/api/v2/setup", {
          json: { org: "Acme", email: "  Owner@Example.COM ", name: "Olive Owner" },
        });
        expect(res.status).toBe(201);
        expect(res.body.org).toMatchObject({ name: "Acme" });
        expect(res.body.user).toMatchObject({ email: "owner@example.com", name: "Olive Owner" });
        expect(res.body.token).toMatch(/^roster_tok_[A-Za-z0-9_-]{43}$/);
        owner = {
          url: d.url,
          token: res.body.token,
          orgID: res.body.org.id,
          userID: res.body.user.id,
          email: res.body.user.email,
        };
        c = d.client(owner.token);

        expect(await d.client().setupStatus()).toEqual({ allowed: false });
        await expectRefused(
          d.client().setup({ org: "Again", email: "x@example.com" }),
          409,
          "setup_done",
        );
      });
    });

    describe("health, me, orgs", () => {
      it("GET /health needs no token", async () => {
        const r = await http(d.url, "GET", "/health");
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ status: "pass", version: expect.any(String) });
        expect(r.headers.get("x-request-id")).toBeTruthy();
      });

      it("GET /me is the caller", async () => {
        expect(await c.me()).toEqual({
          id: owner.userID,
          email: "owner@example.com",
          name: "Olive Owner",
        });
      });

      it("POST /orgs makes the caller the only owner; GET /orgs lists the caller's orgs", async () => {
        const r = await http(d.url, "POST", "/api/v2/orgs", {
          token: owner.token,
          json: { name: "  Beta  " },
        });
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({
          id: expect.any(String),
          name: "Beta",
          createdAt: expect.any(String),
        });
        const members = await c.listMembers(r.body.id);
        expect(members.members).toEqual([
          expect.objectContaining({
            userID: owner.userID,
            role: "owner",
            email: "owner@example.com",
          }),
        ]);
        expect(members.version).toBe(1);
        const { orgs } = await c.listOrgs();
        expect(orgs).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ id: owner.orgID, name: "Acme", role: "owner" }),
            expect.objectContaining({ id: r.body.id, name: "Beta", role: "owner" }),
          ]),
        );
        const bad = await http(d.url, "POST", "/api/v2/orgs", {
          token: owner.token,
          json: { name: "  " },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.reason).toBe("invalid_body");
      });

      it("an org that does not exist is 404 org_not_found", async () => {
        await expectRefused(c.listMembers("0000000000000000"), 404, "org_not_found");
        await expectRefused(
          c.createInvite("nope", { email: "a@example.com" }),
          404,
          "org_not_found",
        );
      });
    });

    describe("invitations", () => {
      it("POST creates one invitation (trimmed, lower-cased) that GET lists with the pending count", async () => {
        const org = await newOrg();
        const r = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: { email: "  Bob@Example.com ", role: "owner" },
        });
        expect(r.status).toBe(201);
        const inv = r.body as Invite;
        expect(inv).toMatchObject({
          orgID: org,
          email: "bob@example.com",
          role: "owner",
          status: "pending",
          invitedBy: owner.userID,
          sendCount: 1,
          delivery: { state: "queued" },
        });
        expect(Date.parse(inv.expiresAt) - Date.parse(inv.sentAt)).toBe(INVITE_TTL_MS);
        expect(JSON.stringify(r.body)).not.toMatch(/token|hash/i);

        const list = await c.listInvites(org);
        expect(list).toMatchObject({ pending: 1, limit: PENDING_LIMIT, version: 2 });
        expect(list.invites.map((i) => i.id)).toEqual([inv.id]);
        expect((await c.listInvites(org, "pending")).invites).toHaveLength(1);
        expect((await c.listInvites(org, "accepted")).invites).toHaveLength(0);
        expect((await c.listInvites(org, "all")).invites).toHaveLength(1);
      });

      it("role defaults to owner; a role that does not exist is invalid_role", async () => {
        const org = await newOrg();
        expect((await c.createInvite(org, { email: "r@example.com" })).role).toBe("owner");
        await expectRefused(
          c.createInvite(org, { email: "s@example.com", role: "admin" }),
          400,
          "invalid_role",
        );
      });

      it("R2/R3: lists and invalid addresses are refused and nothing is created", async () => {
        const org = await newOrg();
        const v = await orgVersion(org);
        for (const email of [
          "a@example.com, b@example.com",
          "a@example.com b@example.com",
          "a@example.com;b@example.com",
        ]) {
          await expectRefused(c.createInvite(org, { email }), 400, "multiple_emails");
        }
        const arr = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: { email: ["a@example.com"] },
        });
        expect(arr.status).toBe(400);
        expect(arr.body.reason).toBe("multiple_emails");
        // A list of invitations as the whole body is a list too (R2), not a malformed body.
        for (const list of [
          [{ email: "a@example.com" }, { email: "c@example.com" }],
          [{ email: "a@example.com" }],
          ["a@example.com", "c@example.com"],
          [],
        ]) {
          const r = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
            token: owner.token,
            json: list,
          });
          expect(r.status).toBe(400);
          const { code, reason, message } = errors.multipleEmails();
          expect(r.body).toEqual({ code, reason, message });
        }
        for (const email of ["", "   ", "nope", "a@b", "@example.com", "a@@example.com"]) {
          await expectRefused(c.createInvite(org, { email }), 400, "invalid_email");
        }
        const missing = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: {},
        });
        expect(missing.status).toBe(400);
        expect(missing.body.reason).toBe("invalid_body");
        expect(missing.body.message).toMatch(/email/);
        expect(await orgVersion(org)).toBe(v);
        expect((await c.listInvites(org, "all")).invites).toHaveLength(0);
      });

      it("R6: a member's email is already_member; a pending one is already_invited (case-insensitively)", async () => {
        const org = await newOrg();
        await expectRefused(
          c.createInvite(org, { email: "OWNER@example.com" }),
          409,
          "already_member",
        );
        await c.createInvite(org, { email: "dup@example.com" });
        const e = await expectRefused(
          c.createInvite(org, { email: "Dup@Example.com" }),
          409,
          "already_invited",
        );
        expect(e.message).toMatch(/resend/i);
      });

      it(`R5: the ${PENDING_LIMIT + 1}st pending invitation is refused with pending_limit`, async () => {
        const org = await newOrg();
        for (let i = 0; i < PENDING_LIMIT; i++)
          await c.createInvite(org, { email: `p${i}@example.com` });
        const e = await expectRefused(
          c.createInvite(org, { email: "one-too-many@example.com" }),
          409,
          "pending_limit",
        );
        expect(e.code).toBe("conflict");
        expect((await c.listInvites(org)).pending).toBe(PENDING_LIMIT);
      });

      it(`R5 race: ${PENDING_LIMIT + 10} concurrent invitations leave exactly ${PENDING_LIMIT} pending`, async () => {
        const org = await newOrg();
        const results = await Promise.allSettled(
          Array.from({ length: PENDING_LIMIT + 10 }, (_, i) =>
            c.createInvite(org, { email: `race${i}@example.com` }),
          ),
        );
        const ok = results.filter((r) => r.status === "fulfilled");
        const refused = results.filter((r) => r.status === "rejected");
        expect(ok).toHaveLength(PENDING_LIMIT);
        for (const r of refused) expect((r.reason as RosterApiError).reason).toBe("pending_limit");
        const list = await c.listInvites(org, "all");
        expect(list.pending).toBe(PENDING_LIMIT);
        expect(list.invites).toHaveLength(PENDING_LIMIT);
        // Gapless versions: founding member + one per created invitation.
        const log = await c.changes(org, 0);
        expect(log.changes.map((x) => x.version)).toEqual(
          Array.from({ length: PENDING_LIMIT + 1 }, (_, i) => i + 1),
        );
      });

      it("R7: resend issues a new link and clock; the old link says invite_superseded; too soon is 429", async () => {
        const org = await newOrg();
        const inv = await c.createInvite(org, { email: "again@example.com" });
        const oldToken = await d.activationToken(inv.id);
        const tooSoon = await expectRefused(c.resendInvite(org, inv.id), 429, "resend_too_soon");
        expect(tooSoon.code).toBe("too many requests");

        clock.offset += 61_000;
        const r = await http(d.url, "POST", `/api/v2/orgs/${org}/invites/${inv.id}/resend`, {
          token: owner.token,
        });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({
          id: inv.id,
          status: "pending",
          sendCount: 2,
          delivery: { state: "queued" },
        });
        expect(Date.parse(r.body.sentAt)).toBeGreaterThan(Date.parse(inv.sentAt));
        expect(Date.parse(r.body.expiresAt) - Date.parse(r.body.sentAt)).toBe(INVITE_TTL_MS);
        const newToken = await d.activationToken(inv.id);
        expect(newToken).not.toBe(oldToken);
        await expectRefused(c.resendInvite(org, inv.id), 429, "resend_too_soon");

        await expectRefused(d.client().acceptInvite({ token: oldToken }), 409, "invite_superseded");
        // Only the newest send is still queued.
        const outbox = await d.daemon.storage.query<{
          send_number: number;
          state: string;
          link_token: string | null;
        }>(
          "select send_number, state, link_token from outbox where invite_id = $1 order by send_number",
          [inv.id],
        );
        expect(outbox.rows.map((x) => [x.send_number, x.state, x.link_token !== null])).toEqual([
          [1, "cancelled", false],
          [2, "queued", true],
        ]);
        await d.client().acceptInvite({ token: newToken });
        await expectRefused(c.resendInvite(org, inv.id), 409, "invite_accepted");
      });

      it("R4/R7: an expired invitation is listed as expired, refuses its link, and a resend revives it", async () => {
        const org = await newOrg();
        const inv = await c.createInvite(org, { email: "late@example.com" });
        const token = await d.activationToken(inv.id);
        clock.offset += INVITE_TTL_MS + 60_000;
        const list = await c.listInvites(org);
        expect(list.invites[0]).toMatchObject({ id: inv.id, status: "expired" });
        expect(list.pending).toBe(0);
        expect((await c.listInvites(org, "expired")).invites).toHaveLength(1);
        expect((await c.listInvites(org, "pending")).invites).toHaveLength(0);
        await expectRefused(d.client().acceptInvite({ token }), 409, "invite_expired");

        // An expired invitation does not block a new one for the same person.
        const revived = await c.resendInvite(org, inv.id);
        expect(revived.status).toBe("pending");
        expect((await c.listInvites(org)).pending).toBe(1);
        await d.client().acceptInvite({ token: await d.activationToken(inv.id) });
      });

      it("R5: reviving an expired invitation counts against the limit", async () => {
        const org = await newOrg();
        const first = await c.createInvite(org, { email: "old@example.com" });
        clock.offset += INVITE_TTL_MS + 60_000;
        for (let i = 0; i < PENDING_LIMIT; i++)
          await c.createInvite(org, { email: `fill${i}@example.com` });
        await expectRefused(c.resendInvite(org, first.id), 409, "pending_limit");
      });

      it("R8: withdraw → 204, its link stops working, and it cannot be withdrawn or resent again", async () => {
        const org = await newOrg();
        const inv = await c.createInvite(org, { email: "gone@example.com" });
        const token = await d.activationToken(inv.id);
        const r = await http(d.url, "DELETE", `/api/v2/orgs/${org}/invites/${inv.id}`, {
          token: owner.token,
        });
        expect(r.status).toBe(204);
        expect(r.text).toBe("");
        expect((await c.listInvites(org)).invites).toHaveLength(0);
        expect((await c.listInvites(org, "withdrawn")).invites[0]).toMatchObject({
          id: inv.id,
          status: "withdrawn",
        });
        await expectRefused(d.client().acceptInvite({ token }), 409, "invite_withdrawn");
        await expectRefused(c.withdrawInvite(org, inv.id), 409, "invite_withdrawn");
        clock.offset += 61_000;
        await expectRefused(c.resendInvite(org, inv.id), 409, "invite_withdrawn");
        const outbox = await d.daemon.storage.query<{ state: string }>(
          "select state from outbox where invite_id = $1",
          [inv.id],
        );
        expect(outbox.rows.map((x) => x.state)).toEqual(["cancelled"]);
      });

      it("an invitation of another org, or none at all, is invite_not_found", async () => {
        const org = await newOrg();
        const other = await newOrg();
        const inv = await c.createInvite(other, { email: "elsewhere@example.com" });
        await expectRefused(c.withdrawInvite(org, inv.id), 404, "invite_not_found");
        await expectRefused(c.resendInvite(org, "ffffffffffffffff"), 404, "invite_not_found");
        await expectRefused(c.withdrawInvite(org, "ffffffffffffffff"), 404, "invite_not_found");
      });

      it("GET ?status= with an unknown filter is 400 invalid_query, naming the parameter and its values", async () => {
        const r = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/invites?status=bogus`, {
          token: owner.token,
        });
        expect(r.status).toBe(400);
        expect(r.body).toEqual({
          code: "invalid",
          reason: "invalid_query",
          message:
            'Invalid query parameter status: "bogus" is not one of pending, expired, accepted, withdrawn, open, all.',
        });
      });

      it("other query-parameter errors are invalid_query too and say what is allowed", async () => {
        const get = (query: string, what = "invites") =>
          http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/${what}?${query}`, {
            token: owner.token,
          });
        const cases: Array<[string, string, RegExp]> = [
          [
            "since=-1",
            "changes",
            /^Invalid query parameter since: "-1" is not a version \(a whole number, 0 or more\)\.$/,
          ],
          ["since=abc", "changes", /since: "abc" is not a version/],
          ["limit=x", "changes", /limit: "x" is not a whole number/],
          [
            "status=pending&extra=1",
            "invites",
            /"extra": not a parameter of this endpoint; it takes status\./,
          ],
          [
            "bogus=1",
            "changes",
            /"bogus": not a parameter of this endpoint; it takes since, limit\./,
          ],
          ["status=pending&status=all", "invites", /status: given 2 times; give it once/],
        ];
        for (const [query, what, message] of cases) {
          const r = await get(query, what);
          expect(r.status, query).toBe(400);
          expect(r.body, query).toMatchObject({ code: "invalid", reason: "invalid_query" });
          expect(r.body.message, query).toMatch(message);
        }
      });
    });

    describe("accept", () => {
      it("R9: a valid token makes a new user a member with the invited role and returns a working token, once", async () => {
        const org = await newOrg("Gamma");
        const inv = await c.createInvite(org, { email: "New@Example.com" });
        const token = await d.activationToken(inv.id);
        const r = await http(d.url, "POST", "/api/v2/invites/accept", {
          json: { token, name: " Nina New " },
        });
        expect(r.status).toBe(200);
        expect(r.body.user).toMatchObject({ email: "new@example.com", name: "Nina New" });
        expect(r.body.org).toMatchObject({ id: org, name: "Gamma" });
        const member = d.client(r.body.token);
        expect(await member.me()).toMatchObject({ id: r.body.user.id, email: "new@example.com" });
        expect((await member.listOrgs()).orgs.map((o) => o.id)).toEqual([org]);
        expect((await c.listMembers(org)).members).toContainEqual(
          expect.objectContaining({ userID: r.body.user.id, role: "owner", name: "Nina New" }),
        );
        expect((await c.listInvites(org, "accepted")).invites[0]).toMatchObject({
          id: inv.id,
          status: "accepted",
        });

        await expectRefused(d.client().acceptInvite({ token }), 409, "invite_accepted");
        await expectRefused(c.withdrawInvite(org, inv.id), 409, "invite_accepted");
      });

      it("R9: an email that already has a user (in another org) reuses that user", async () => {
        const a = await newOrg();
        const b = await newOrg();
        const first = await addMember(a, "shared@example.com", "Sam");
        const second = await addMember(b, "SHARED@example.com", "", first.token);
        expect(second.userID).toBe(first.userID);
        expect(second.token).toBe(first.token); // signed in: no new token
        expect((await second.client.listOrgs()).orgs.map((o) => o.id).sort()).toEqual(
          [a, b].sort(),
        );
        expect((await first.client.me()).name).toBe("Sam");
      });

      it("unknown tokens are invite_not_found; malformed bodies are invalid", async () => {
        await expectRefused(
          d.client().acceptInvite({ token: "no-such-token" }),
          404,
          "invite_not_found",
        );
        const r = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token: "" } });
        expect(r.status).toBe(400);
        expect(r.body.reason).toBe("invalid_body");
      });
    });

    describe("members", () => {
      it("GET lists members with the org version; DELETE removes (R10) but never oneself (R11)", async () => {
        const org = await newOrg();
        const m = await addMember(org, "member@example.com", "Max");
        const list = await c.listMembers(org);
        expect(list.members.map((x) => x.email)).toEqual([
          "owner@example.com",
          "member@example.com",
        ]);
        expect(list.members[1]).toMatchObject({
          userID: m.userID,
          name: "Max",
          role: "owner",
          joinedAt: expect.any(String),
        });

        const self = await expectRefused(
          m.client.removeMember(org, m.userID),
          403,
          "cannot_remove_self",
        );
        expect(self.code).toBe("forbidden");
        await expectRefused(c.removeMember(org, owner.userID), 403, "cannot_remove_self");

        const r = await http(d.url, "DELETE", `/api/v2/orgs/${org}/members/${m.userID}`, {
          token: owner.token,
        });
        expect(r.status).toBe(204);
        expect((await c.listMembers(org)).members.map((x) => x.userID)).toEqual([owner.userID]);
        // The removed member loses access at once; their account stays.
        await expectRefused(m.client.listMembers(org), 404, "org_not_found");
        expect(await m.client.me()).toMatchObject({ id: m.userID });
        await expectRefused(c.removeMember(org, m.userID), 404, "member_not_found");
        await expectRefused(c.removeMember(org, "ffffffffffffffff"), 404, "member_not_found");
      });

      it("a removed member can be invited again and re-join as the same user", async () => {
        const org = await newOrg();
        const m = await addMember(org, "boomerang@example.com");
        await c.removeMember(org, m.userID);
        const again = await addMember(org, "boomerang@example.com", "", m.token);
        expect(again.userID).toBe(m.userID);
      });
    });

    describe("change log", () => {
      it("records every change with actor and time, gapless, and serves it after a version", async () => {
        const org = await newOrg();
        const m = await addMember(org, "logged@example.com");
        const inv = await c.createInvite(org, { email: "w@example.com" });
        await c.withdrawInvite(org, inv.id);
        await c.removeMember(org, m.userID);
        const all = await c.changes(org, 0);
        expect(all.version).toBe(6);
        expect(all.oldest).toBe(1);
        expect(all.changes.map((x) => [x.version, x.change.type, x.actor?.userID])).toEqual([
          [1, "member.added", owner.userID],
          [2, "invite.created", owner.userID],
          [3, "invite.accepted", m.userID],
          [4, "invite.created", owner.userID],
          [5, "invite.withdrawn", owner.userID],
          [6, "member.removed", owner.userID],
        ]);
        for (const x of all.changes) expect(Date.parse(x.at)).not.toBeNaN();
        const tail = await c.changes(org, 4);
        expect(tail.changes.map((x) => x.version)).toEqual([5, 6]);
        expect((await c.changes(org, 6)).changes).toEqual([]);
        const page = await http(d.url, "GET", `/api/v2/orgs/${org}/changes?since=1&limit=2`, {
          token: owner.token,
        });
        expect(page.body.changes.map((x: { version: number }) => x.version)).toEqual([2, 3]);
        for (const bad of ["-1", "abc", "1.5"]) {
          const r = await http(d.url, "GET", `/api/v2/orgs/${org}/changes?since=${bad}`, {
            token: owner.token,
          });
          expect(r.status).toBe(400);
        }
      });

      it("records delivery reports of the current send only (recordDelivery)", async () => {
        const org = await newOrg();
        const inv = await c.createInvite(org, { email: "mail@example.com" });
        const svc = d.daemon.service;
        const entry = await svc.recordDelivery(org, inv.id, 1, {
          state: "failed",
          attempts: 1,
          lastError: "boom",
        });
        expect(entry?.change).toMatchObject({
          type: "invite.delivery",
          invite: { id: inv.id, delivery: { state: "failed", attempts: 1, lastError: "boom" } },
        });
        expect(entry?.actor).toBeNull();
        // Same report again, an old send, an unknown invite: no-ops.
        expect(
          await svc.recordDelivery(org, inv.id, 1, {
            state: "failed",
            attempts: 1,
            lastError: "boom",
          }),
        ).toBeNull();
        expect(await svc.recordDelivery(org, inv.id, 7, { state: "sent", attempts: 1 })).toBeNull();
        expect(await svc.recordDelivery(org, "ffffffffffffffff", 1, { state: "sent" })).toBeNull();
        expect(
          await svc.recordDelivery("ffffffffffffffff", inv.id, 1, { state: "sent" }),
        ).toBeNull();
        await svc.recordDelivery(org, inv.id, 1, { state: "sent", attempts: 2 });
        expect((await c.listInvites(org)).invites[0]?.delivery).toEqual({
          state: "sent",
          attempts: 2,
        });
        expect((await c.changes(org, 0)).version).toBe(4);
      });
    });

    describe("Idempotency-Key", () => {
      it("a retry with the same key replays the first response and creates nothing twice", async () => {
        const org = await newOrg();
        const key = `key-${Math.random()}`;
        const send = () =>
          http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
            token: owner.token,
            json: { email: "once@example.com" },
            headers: { "Idempotency-Key": key },
          });
        const first = await send();
        const again = await send();
        expect(first.status).toBe(201);
        expect(again.status).toBe(201);
        expect(again.body).toEqual(first.body);
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        expect((await c.listInvites(org, "all")).invites).toHaveLength(1);
        expect(await orgVersion(org)).toBe(2);
        const outbox = await d.daemon.storage.query("select id from outbox where invite_id = $1", [
          first.body.id,
        ]);
        expect(outbox.rows).toHaveLength(1);
      });

      it("concurrent retries with one key still have one effect", async () => {
        const org = await newOrg();
        const key = `conc-${Math.random()}`;
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
              token: owner.token,
              json: { email: "conc@example.com" },
              headers: { "Idempotency-Key": key },
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
        expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
        expect((await c.listInvites(org, "all")).invites).toHaveLength(1);
      });

      it("the same key for another request is idempotency_key_reused; another caller's key is independent", async () => {
        const org = await newOrg();
        const key = `reuse-${Math.random()}`;
        const headers = { "Idempotency-Key": key };
        await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: { email: "k1@example.com" },
          headers,
        });
        const other = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: { email: "k2@example.com" },
          headers,
        });
        expect(other.status).toBe(409);
        expect(other.body).toMatchObject({ code: "conflict", reason: "idempotency_key_reused" });
        const m = await addMember(org, "other-caller@example.com");
        const theirs = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: m.token,
          json: { email: "k3@example.com" },
          headers,
        });
        expect(theirs.status).toBe(201);
        expect((await c.listInvites(org)).invites.map((i) => i.email).sort()).toEqual([
          "k1@example.com",
          "k3@example.com",
        ]);
      });

      it("a refusal is the first response too; DELETEs and accept replay", async () => {
        const org = await newOrg();
        const headers = { "Idempotency-Key": `ref-${Math.random()}` };
        const a = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: { email: "owner@example.com" },
          headers,
        });
        const b = await http(d.url, "POST", `/api/v2/orgs/${org}/invites`, {
          token: owner.token,
          json: { email: "owner@example.com" },
          headers,
        });
        expect([a.status, b.status]).toEqual([409, 409]);
        expect(b.body).toEqual(a.body);

        const inv = await c.createInvite(org, { email: "del@example.com" });
        const key = { "Idempotency-Key": `del-${Math.random()}` };
        const w1 = await http(d.url, "DELETE", `/api/v2/orgs/${org}/invites/${inv.id}`, {
          token: owner.token,
          headers: key,
        });
        const w2 = await http(d.url, "DELETE", `/api/v2/orgs/${org}/invites/${inv.id}`, {
          token: owner.token,
          headers: key,
        });
        expect([w1.status, w2.status]).toEqual([204, 204]);

        const inv2 = await c.createInvite(org, { email: "acc@example.com" });
        const token = await d.activationToken(inv2.id);
        const akey = { "Idempotency-Key": `acc-${Math.random()}` };
        const x1 = await http(d.url, "POST", "/api/v2/invites/accept", {
          json: { token },
          headers: akey,
        });
        const x2 = await http(d.url, "POST", "/api/v2/invites/accept", {
          json: { token },
          headers: akey,
        });
        expect([x1.status, x2.status]).toEqual([200, 200]);
        expect(x2.body).toEqual(x1.body);
        // Secrets in stored responses are not kept in clear.
        const stored = await d.daemon.storage.query<{ response: string | null }>(
          "select response from idempotency",
        );
        for (const row of stored.rows) expect(row.response ?? "").not.toContain(x1.body.token);
        expect(await orgVersion(org)).toBe(5);
      });

      it("a malformed key is 400", async () => {
        const r = await http(d.url, "POST", "/api/v2/orgs", {
          token: owner.token,
          json: { name: "x" },
          headers: { "Idempotency-Key": "has space" },
        });
        expect(r.status).toBe(400);
        expect(r.body.code).toBe("invalid");
      });
    });
  });
}

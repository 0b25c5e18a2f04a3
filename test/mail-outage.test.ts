/**
 * An SMTP outage delays invitations, it does not fail them (SPEC §4, issue
 * 13): a real daemon process sends through a real SMTP server that is down
 * for a while and comes back. Time is compressed by configuration — backoff
 * base and cap, and the link's lifetime (ROSTER_INVITE_TTL_MS) — not by
 * sleeping: the daemon retries with capped backoff for as long as the link is
 * valid, then marks the email `failed` for good; a restart in the middle of
 * the outage resumes the retry schedule from the database.
 */
import type { ChangeEntry, Invite } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { createSmtpSink, type ReceivedMail, type SmtpSink } from "./support/smtp-sink.ts";
import { waitUntil } from "./support/until.ts";

/**
 * The link lives 20 s here; retries come every 25–250 ms. The first case needs
 * more than 8 failures and then the send inside it, with the restart case
 * running beside it; the second waits all of it, while the restart case runs.
 */
const TTL_MS = 20_000;

let sink: SmtpSink;
let d: TestDaemon;
let owner: OrgSetup;

async function inviteJson(t: TestDaemon, o: OrgSetup, id: string): Promise<Invite> {
  const r = await http(t.url, "GET", `/api/v2/orgs/${o.orgID}/invites?status=all`, {
    token: o.token,
  });
  const inv = (r.body.invites as Invite[]).find((i) => i.id === id);
  if (!inv) throw new Error(`invite ${id} not in GET /invites`);
  return inv;
}

/** The invitation's delivery changes in the change log (what live sessions receive). */
async function deliveryChanges(t: TestDaemon, o: OrgSetup, id: string): Promise<ChangeEntry[]> {
  const r = await http(t.url, "GET", `/api/v2/orgs/${o.orgID}/changes?since=0`, {
    token: o.token,
  });
  expect(r.status).toBe(200);
  return (r.body.changes as ChangeEntry[]).filter(
    (e) => e.change.type === "invite.delivery" && e.change.invite.id === id,
  );
}

function messagesTo(email: string): ReceivedMail[] {
  return sink.messages.filter((m) => m.to.includes(email));
}

// The restart case has a daemon and a mail server of its own and mostly waits
// (a first retry 7.5–15 s out), so it runs beside the other two, which run in
// order on the shared daemon: the two suites are concurrent (their daemons start
// side by side), the tests within each sequential.
describe("an SMTP outage", { concurrent: true }, () => {
  beforeAll(async () => {
    sink = await createSmtpSink(); // not started: the mail server is down
    d = await startTestDaemon({
      smtpUrl: sink.url,
      env: {
        ROSTER_MAIL_BACKOFF_BASE_MS: "50",
        ROSTER_MAIL_BACKOFF_CAP_MS: "250",
        ROSTER_MAIL_POLL_MS: "200",
        ROSTER_INVITE_TTL_MS: String(TTL_MS),
      },
    });
    owner = await d.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
  });

  afterAll(async () => {
    await d?.cleanup();
    await sink?.stop();
  });

  it.sequential(
    "outlasting the old 8 attempts: every invitation goes out, once, when the server is back",
    async () => {
      const c = d.client(owner.token);
      const invites = [
        await c.createInvite(owner.orgID, { email: "bob@example.com" }),
        await c.createInvite(owner.orgID, { email: "carol@example.com" }),
      ];
      // Retried over and over, each failure shown with its error and next attempt.
      for (const inv of invites) {
        const failing = await waitUntil(
          `${inv.email}: more than 8 failed attempts`,
          async () => {
            const i = await inviteJson(d, owner, inv.id);
            return i.delivery.state === "failed" && (i.delivery.attempts ?? 0) > 8 ? i : undefined;
          },
          { daemon: d },
        );
        expect(failing.delivery.lastError).toMatch(/ECONNREFUSED/);
        expect(failing.delivery.nextAttemptAt).toBeDefined();
        expect(sink.messages).toHaveLength(0);
      }

      await sink.start(); // the server is back
      for (const inv of invites) {
        const sent = await waitUntil(
          `${inv.email}: sent`,
          async () => {
            const i = await inviteJson(d, owner, inv.id);
            return i.delivery.state === "sent" ? i : undefined;
          },
          { daemon: d },
        );
        expect(sent.delivery.attempts).toBeGreaterThan(9);
        expect(sent.status).toBe("pending");
        // Exactly one message: failed attempts never reached the server.
        expect(messagesTo(inv.email)).toHaveLength(1);
        // Sessions saw it all live: failed (with its attempts), then sent.
        const states = (await deliveryChanges(d, owner, inv.id)).map((e) =>
          e.change.type === "invite.delivery" ? e.change.invite.delivery.state : "",
        );
        expect(states.at(-1)).toBe("sent");
        expect(states.filter((s) => s === "failed").length).toBeGreaterThan(8);
      }
      // The link of the delayed email still works.
      const token = messagesTo("bob@example.com")[0]!.token;
      const ok = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token } });
      expect(ok.status).toBe(200);
    },
    60_000,
  );

  it.sequential(
    "outlasting the link: failed for good, with why, and never sent afterwards",
    async () => {
      await sink.stop();
      const c = d.client(owner.token);
      const inv = await c.createInvite(owner.orgID, { email: "dave@example.com" });
      const gaveUp = await waitUntil(
        "dave: failed for good",
        async () => {
          const i = await inviteJson(d, owner, inv.id);
          return i.delivery.state === "failed" && i.delivery.nextAttemptAt === undefined
            ? i
            : undefined;
        },
        { daemon: d, timeoutMs: TTL_MS + 20_000 },
      );
      const n = gaveUp.delivery.attempts!;
      expect(n).toBeGreaterThan(8);
      // Given up at the failure whose next attempt would come after the expiry — or,
      // on a machine slow enough that a last attempt fell due just before the
      // expiry but was claimed after it, at that claim.
      expect(gaveUp.delivery.lastError).toMatch(
        new RegExp(
          `^(connect ECONNREFUSED .*\\(gave up after ${n} attempts: the link expires before the next one\\)` +
            "|the activation link expired before the email could be sent; resend the invitation)$",
        ),
      );
      // Given up less than one capped delay (250 ms, plus a loaded machine's slack) before expiry.
      const gaveUpAt = (await deliveryChanges(d, owner, inv.id)).at(-1)!.at;
      expect(Date.parse(inv.expiresAt) - Date.parse(gaveUpAt)).toBeLessThan(2_000);

      // The server comes back; a new invitation goes out, the given-up one does not.
      await sink.start();
      const erin = await c.createInvite(owner.orgID, { email: "erin@example.com" });
      await sink.waitForMessages(sink.messages.length + 1);
      expect(messagesTo("erin@example.com")).toHaveLength(1);
      await waitUntil("erin: sent", async () => {
        const i = await inviteJson(d, owner, erin.id);
        return i.delivery.state === "sent";
      });
      expect(messagesTo("dave@example.com")).toHaveLength(0);
      expect((await inviteJson(d, owner, inv.id)).delivery.attempts).toBe(n);
    },
    90_000,
  );
});

describe("an SMTP outage across a restart", { concurrent: true }, () => {
  it("with a daemon restart in the middle: the retry schedule resumes from the database", async () => {
    const down = await createSmtpSink(); // its own server, down
    // A long first delay (7.5–15 s, longer than a restart on a loaded machine),
    // so that "due at once after the restart" would show.
    const r = await startTestDaemon({
      smtpUrl: down.url,
      env: { ROSTER_MAIL_BACKOFF_BASE_MS: "15000", ROSTER_MAIL_POLL_MS: "200" },
    });
    try {
      const o = await r.setupOrg({ org: "Initech", email: "peter@example.com", name: "Peter" });
      const inv = await r.client(o.token).createInvite(o.orgID, { email: "milton@example.com" });
      const failed = await waitUntil(
        "first attempt failed",
        async () => {
          const i = await inviteJson(r, o, inv.id);
          return i.delivery.state === "failed" ? i : undefined;
        },
        { daemon: r },
      );
      expect(failed.delivery.attempts).toBe(1);
      const due = Date.parse(failed.delivery.nextAttemptAt!);

      await r.stop(); // SIGTERM: a clean stop in the middle of the outage
      await down.start(); // the server is back by the time the daemon is
      await r.restart(); // a new process on the same data directory
      const sent = await waitUntil(
        "sent after the restart",
        async () => {
          const i = await inviteJson(r, o, inv.id);
          return i.delivery.state === "sent" ? i : undefined;
        },
        { daemon: r, timeoutMs: 60_000 },
      );
      // The second attempt (not a new first one), made when it was due, not at once.
      expect(sent.delivery).toEqual({ state: "sent", attempts: 2 });
      const sentAt = (await deliveryChanges(r, o, inv.id)).at(-1)!.at;
      expect(Date.parse(sentAt)).toBeGreaterThanOrEqual(due);
      expect(r.output()).not.toMatch(/from before the restart are due now/);
      expect(down.messages.map((m) => m.to)).toEqual([["milton@example.com"]]);
    } finally {
      await r.cleanup();
      await down.stop();
    }
  }, 120_000);
});

/**
 * Invitation email end to end (SPEC §4, issue 4): a real daemon process sends
 * through a real SMTP server running in this test, and the link in the
 * received message is what a person follows to join.
 */
import type { Invite } from "@roster/core";
import type { RosterClient } from "@roster/core/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { createSmtpSink, type ReceivedMail, type SmtpSink } from "./support/smtp-sink.ts";
import { waitUntil } from "./support/until.ts";

let sink: SmtpSink;
let d: TestDaemon;
let owner: OrgSetup;
let c: RosterClient;

beforeAll(async () => {
  sink = await createSmtpSink();
  await sink.start();
  d = await startTestDaemon({
    smtpUrl: sink.url,
    resendIntervalS: 0,
    // Small backoff so a retry after "the server is back" comes quickly.
    env: { ROSTER_MAIL_BACKOFF_BASE_MS: "400", ROSTER_MAIL_POLL_MS: "200" },
  });
  owner = await d.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
  c = d.client(owner.token);
});

afterAll(async () => {
  await d?.cleanup();
  await sink?.stop();
});

/** Polls; a timeout shows the daemon's output. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  waitUntil(what, fn, { daemon: d });

/** The invitation as GET /invites returns it (raw JSON). */
async function inviteJson(id: string): Promise<Invite> {
  const r = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/invites?status=all`, {
    token: owner.token,
  });
  expect(r.status).toBe(200);
  const inv = (r.body.invites as Invite[]).find((i) => i.id === id);
  if (!inv) throw new Error(`invite ${id} not in GET /invites`);
  return inv;
}

function messagesTo(email: string): ReceivedMail[] {
  return sink.messages.filter((m) => m.to.includes(email));
}

/** Wait a little longer than a poll + a retry, then check nothing more came. */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_500));
}

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});

describe("invitation email over SMTP", () => {
  it("an invite delivers one message whose link, followed, accepts the invitation", async () => {
    const inv = await c.createInvite(owner.orgID, { email: "bob@example.com" });
    const [m] = await until("the message", async () => {
      const got = messagesTo("bob@example.com");
      return got.length > 0 ? got : undefined;
    });
    expect(m).toBeDefined();
    const msg = m!;
    expect(msg.parsed.subject).toBe("Alice invited you to join Acme on Roster");
    expect(msg.parsed.replyTo?.value[0]?.address).toBe("alice@example.com");
    expect(msg.link).toBeDefined();
    expect(msg.link!.startsWith(`${d.url}/activate/`)).toBe(true);
    expect(msg.parsed.html).toContain(`href="${msg.link}"`);
    expect(msg.parsed.text).toContain("in 72 hours");
    expect(msg.parsed.text).toMatch(
      /Alice \(alice@example\.com\) invited you to join the organization Acme/,
    );

    const sent = await until("delivery sent", async () => {
      const i = await inviteJson(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    });
    expect(sent.delivery).toEqual({ state: "sent", attempts: 1 });

    // Follow the link like a person: the page (GET never accepts) then its form.
    const page = await http(d.url, "GET", new URL(msg.link!).pathname);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Acme");
    expect((await inviteJson(inv.id)).status).toBe("pending");
    const accepted = await http(d.url, "POST", new URL(msg.link!).pathname, form({ name: "Bob" }));
    expect(accepted.status).toBe(200);
    expect((await inviteJson(inv.id)).status).toBe("accepted");
    const members = await c.listMembers(owner.orgID);
    expect(members.members.map((x) => x.email)).toContain("bob@example.com");

    await settle();
    expect(messagesTo("bob@example.com")).toHaveLength(1);
    // SMTP never prints the link: the token is not in the daemon's log.
    expect(d.output()).not.toContain(msg.token!);
  });

  it("SMTP server down: `failed` with the error and the next attempt time; back up: `sent`, exactly one message", async () => {
    await sink.stop();
    const inv = await c.createInvite(owner.orgID, { email: "carol@example.com" });
    const failed = await until("delivery failed", async () => {
      const i = await inviteJson(inv.id);
      return i.delivery.state === "failed" ? i : undefined;
    });
    expect(failed.delivery.lastError).toMatch(/ECONNREFUSED/);
    expect(failed.delivery.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.delivery.nextAttemptAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(failed.delivery.nextAttemptAt!)).toBeGreaterThan(
      Date.parse(failed.createdAt),
    );

    // Still down: it keeps retrying, with growing attempts.
    await until(
      "a second failed attempt",
      async () => ((await inviteJson(inv.id)).delivery.attempts ?? 0) >= 2,
    );

    await sink.start();
    const sent = await until("delivery sent", async () => {
      const i = await inviteJson(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    });
    expect(sent.delivery.lastError).toBeUndefined();
    expect(sent.delivery.nextAttemptAt).toBeUndefined();
    expect(sent.delivery.attempts).toBeGreaterThanOrEqual(3);
    await settle();
    expect(messagesTo("carol@example.com")).toHaveLength(1);
    // The delivery states went through the change log, in order.
    const log = await c.changes(owner.orgID, 0);
    const states = log.changes
      .filter((e) => e.change.type === "invite.delivery" && e.change.invite.id === inv.id)
      .map((e) => (e.change.type === "invite.delivery" ? e.change.invite.delivery.state : ""));
    expect(states.at(-1)).toBe("sent");
    expect(states.slice(0, -1).every((s) => s === "failed")).toBe(true);
    expect(states.length).toBeGreaterThanOrEqual(3);
  });

  it("resend sends a second message with a new link; the first link is refused as superseded", async () => {
    const inv = await c.createInvite(owner.orgID, { email: "dave@example.com" });
    const [first] = await until("the first message", async () => {
      const got = messagesTo("dave@example.com");
      return got.length >= 1 ? got : undefined;
    });
    await until("first sent", async () => (await inviteJson(inv.id)).delivery.state === "sent");

    const resent = await c.resendInvite(owner.orgID, inv.id);
    expect(resent.sendCount).toBe(2);
    const got = await until("the second message", async () => {
      const all = messagesTo("dave@example.com");
      return all.length >= 2 ? all : undefined;
    });
    const second = got[1]!;
    expect(second.token).toBeDefined();
    expect(second.token).not.toBe(first!.token);
    expect(first!.parsed.messageId).toBe(`<invite.${inv.id}.1@127.0.0.1>`);
    expect(second.parsed.messageId).toBe(`<invite.${inv.id}.2@127.0.0.1>`);
    const sent = await until("second sent", async () => {
      const i = await inviteJson(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    });
    expect(sent.sendCount).toBe(2);

    // The old link: refused with invite_superseded, by the API and by the page.
    const old = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: first!.token },
    });
    expect(old.status).toBe(409);
    expect(old.body).toMatchObject({ code: "conflict", reason: "invite_superseded" });
    const oldPage = await http(
      d.url,
      "POST",
      new URL(first!.link!).pathname,
      form({ name: "Dave" }),
    );
    expect(oldPage.status).toBe(409);

    // The new link works.
    const ok = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: second.token, name: "Dave" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe("dave@example.com");

    await settle();
    expect(messagesTo("dave@example.com")).toHaveLength(2);
  });

  it("an invitation withdrawn before its mail went out is never sent", async () => {
    await sink.stop();
    const inv = await c.createInvite(owner.orgID, { email: "erin@example.com" });
    await until(
      "a failed attempt",
      async () => (await inviteJson(inv.id)).delivery.state === "failed",
    );
    await c.withdrawInvite(owner.orgID, inv.id);
    await sink.start();
    // Long enough for several retries had the row still been live.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(messagesTo("erin@example.com")).toHaveLength(0);
    const i = await inviteJson(inv.id);
    expect(i.status).toBe("withdrawn");
  });
});

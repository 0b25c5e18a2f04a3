/**
 * The outbox survives kill -9 (SPEC §4, §7): a daemon process killed after the
 * invitation committed but before its email went out sends it after restart,
 * exactly once — also when it died in the middle of the SMTP conversation.
 */
import { simpleParser } from "mailparser";
import type { Invite } from "@roster/core";
import { afterEach, describe, expect, it } from "vitest";
import { http, startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { createSmtpSink, startBlackHoleSmtp, type SmtpSink } from "./support/smtp-sink.ts";
import { waitUntil } from "./support/until.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function inviteJson(d: TestDaemon, owner: OrgSetup, id: string): Promise<Invite> {
  const r = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/invites?status=all`, {
    token: owner.token,
  });
  const inv = (r.body.invites as Invite[]).find((i) => i.id === id);
  if (!inv) throw new Error(`invite ${id} not in GET /invites`);
  return inv;
}

async function daemonFor(sink: SmtpSink, env: Record<string, string>): Promise<TestDaemon> {
  const daemon = await startTestDaemon({
    smtpUrl: sink.url,
    env: { ROSTER_MAIL_POLL_MS: "200", ...env },
  });
  cleanups.push(() => daemon.cleanup());
  return daemon;
}

describe("kill -9 and the outbox", () => {
  it("killed after the invitation committed, before the send: the message goes out after restart, once", async () => {
    const sink = await createSmtpSink();
    cleanups.push(() => sink.stop());
    // The SMTP server is down: nothing can be sent before the kill.
    const d = await daemonFor(sink, { ROSTER_MAIL_BACKOFF_BASE_MS: "300" });
    const owner = await d.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
    const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "bob@example.com" });
    expect(inv.delivery.state).toBe("queued");

    await d.kill(); // kill -9: no shutdown code runs
    expect(sink.messages).toHaveLength(0);

    await sink.start();
    await d.restart();
    const sent = await waitUntil(
      "delivery sent after restart",
      async () => {
        const i = await inviteJson(d, owner, inv.id);
        return i.delivery.state === "sent" ? i : undefined;
      },
      { daemon: d },
    );
    expect(sent.status).toBe("pending");
    const [m] = await sink.waitForMessages(1);
    expect(m?.to).toEqual(["bob@example.com"]);
    expect(m?.parsed.subject).toBe("Alice invited you to join Acme on Roster");

    // The link from the mail accepts the invitation.
    const ok = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token: m!.token } });
    expect(ok.status).toBe(200);

    await new Promise((r) => setTimeout(r, 1_500));
    expect(sink.messages).toHaveLength(1);
  });

  it("killed in the middle of the SMTP conversation: the message goes out after restart, once", async () => {
    const sink = await createSmtpSink(); // started only after the kill
    cleanups.push(() => sink.stop());

    // On the same port meanwhile: a server that takes the whole message and
    // then never answers, so the daemon is stuck waiting for "250 OK".
    const blackHole = await startBlackHoleSmtp(sink.port);
    cleanups.push(() => blackHole.close());

    const d = await daemonFor(sink, { ROSTER_MAIL_LEASE_MS: "2000" });
    const owner = await d.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
    const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "bob@example.com" });
    // The whole message is on the server; the daemon waits for the answer.
    const unanswered = await simpleParser(await blackHole.received);
    await d.kill();

    // The real server takes over the port; the daemon comes back.
    await blackHole.close();
    await sink.start();
    await d.restart();
    const sent = await waitUntil(
      "delivery sent after restart",
      async () => {
        const i = await inviteJson(d, owner, inv.id);
        return i.delivery.state === "sent" ? i : undefined;
      },
      { daemon: d },
    );
    // The interrupted attempt counts: this was the second.
    expect(sent.delivery.attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]?.to).toEqual(["bob@example.com"]);
    // Had the first server kept it too, both copies carry one Message-ID, so mail
    // systems that de-duplicate by Message-ID show the invitation once.
    expect(unanswered.messageId).toBe(`<invite.${inv.id}.1@127.0.0.1>`);
    expect(sink.messages[0]?.parsed.messageId).toBe(unanswered.messageId);
  });
});

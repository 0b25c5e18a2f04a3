/**
 * The outbox with several daemons on one PostgreSQL server (SPEC §4 + §3):
 * their workers share the queue (FOR UPDATE SKIP LOCKED + a lease) and every
 * invitation's email goes out exactly once; a daemon killed mid-send is
 * relieved by another one once its claim's lease runs out.
 */
import type { Invite } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  http,
  startInProcessDaemon,
  startTestDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";
import { startTestPostgres, type TestPostgres } from "./support/postgres.ts";
import { createSmtpSink, startBlackHoleSmtp, type SmtpSink } from "./support/smtp-sink.ts";
import { waitUntil } from "./support/until.ts";

let pg: TestPostgres;

beforeAll(async () => {
  pg = await startTestPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

async function invites(url: string, owner: OrgSetup): Promise<Invite[]> {
  const r = await http(url, "GET", `/api/v2/orgs/${owner.orgID}/invites?status=all`, {
    token: owner.token,
  });
  return r.body.invites as Invite[];
}

describe("mail with two daemons on one PostgreSQL server", () => {
  let sink: SmtpSink;
  let a: InProcessDaemon;
  let b: InProcessDaemon;

  beforeAll(async () => {
    // A slow server, so that both workers have sends in flight at once.
    sink = await createSmtpSink({ answerDelayMs: 100 });
    await sink.start();
    const url = await pg.createDatabase();
    const mail = { mailPollMs: 100 };
    a = await startInProcessDaemon({ databaseUrl: url, smtpUrl: sink.url, mail });
    b = await startInProcessDaemon({ databaseUrl: url, smtpUrl: sink.url, mail });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sink?.stop();
  });

  it("invitations created through both instances are each mailed exactly once", async () => {
    const owner = await a.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
    const emails = Array.from({ length: 16 }, (_, k) => `p${k}@example.com`);
    await Promise.all(
      emails.map((email, k) =>
        (k % 2 ? a : b).client(owner.token).createInvite(owner.orgID, { email }),
      ),
    );
    await waitUntil(
      "every delivery sent",
      async () => {
        const all = await invites(a.url, owner);
        return all.length === emails.length && all.every((i) => i.delivery.state === "sent");
      },
      { timeoutMs: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const to = sink.messages.flatMap((m) => m.to).sort();
    expect(to).toEqual([...emails].sort());
    // Every row is marked sent and its token is gone.
    const r = await a.daemon.storage.query<{ n: number }>(
      "select count(*)::int as n from outbox where state = 'sent' and link_token is null",
    );
    expect(r.rows[0]?.n).toBe(emails.length);
  });
});

describe("a daemon killed mid-send on a shared PostgreSQL server", () => {
  it("another daemon sends the message once the dead one's lease has run out, once", async () => {
    const url = await pg.createDatabase();
    // Daemon A talks to a server that takes the message and never answers.
    const blackHole = await startBlackHoleSmtp();
    const sink = await createSmtpSink();
    await sink.start();

    const leaseMs = 6_000;
    const leaseEnv = { ROSTER_MAIL_LEASE_MS: String(leaseMs), ROSTER_MAIL_POLL_MS: "200" };
    const da = await startTestDaemon({
      databaseUrl: url,
      smtpUrl: `smtp://127.0.0.1:${blackHole.port}`,
      env: leaseEnv,
    });
    let db: Awaited<ReturnType<typeof startTestDaemon>> | undefined;
    try {
      const owner = await da.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
      const inv = await da
        .client(owner.token)
        .createInvite(owner.orgID, { email: "bob@example.com" });
      await blackHole.received;
      const claimedBefore = Date.now();
      await da.kill();

      db = await startTestDaemon({ databaseUrl: url, smtpUrl: sink.url, env: leaseEnv });
      const d2 = db;
      const sent = await waitUntil(
        "delivery sent by the second daemon",
        async () => {
          const i = (await invites(d2.url, owner)).find((x) => x.id === inv.id);
          return i?.delivery.state === "sent" ? i : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(sent.delivery.attempts).toBe(2);
      // Not before the lease taken by the dead daemon ran out.
      expect(Date.now() - claimedBefore).toBeGreaterThanOrEqual(leaseMs - 1_500);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(sink.messages.map((m) => m.to)).toEqual([["bob@example.com"]]);
    } finally {
      await da.cleanup();
      await db?.cleanup();
      await sink.stop();
      await blackHole.close();
    }
  }, 90_000);
});

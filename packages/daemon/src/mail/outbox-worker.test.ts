/**
 * The outbox worker against the real schema and service on PGlite, with a
 * transport whose timing and failures the test controls (the real SMTP and
 * file transports are exercised end to end in test/mail-*.test.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChangeEntry, Invite } from "@roster/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChangeFeed } from "../change-feed.ts";
import type { Caller } from "../service/context.ts";
import { OutboxQueue } from "../service/outbox-queue.ts";
import { RosterService } from "../service/service.ts";
import { migrate } from "../storage/migrations.ts";
import { openPgliteStorage } from "../storage/pglite-storage.ts";
import type { Sql, Storage } from "../storage/storage.ts";
import { resolveMailSettings, type MailOptionsInput } from "./mail-options.ts";
import type { MailTransport, OutgoingMail, SendResult } from "./mail-transport.ts";
import { silentLogger } from "./mail-transport.ts";
import { OutboxWorker } from "./outbox-worker.ts";

/** A transport the test steers: fail the next N sends, or hold sends until released. */
class ControlledTransport implements MailTransport {
  readonly kind = "file" as const;
  readonly delivered: OutgoingMail[] = [];
  attempts = 0;
  /** Date.now() at each send. */
  readonly sendTimes: number[] = [];
  failNext = 0;
  failAlways = false;
  private gate: { promise: Promise<void>; release: () => void } | undefined;
  private entered: (() => void)[] = [];

  hold(): void {
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.gate = { promise, release };
  }
  release(): void {
    const g = this.gate;
    this.gate = undefined;
    g?.release();
  }
  /** Resolves when a send has started (and is held, if hold() was called). */
  started(): Promise<void> {
    return new Promise((r) => this.entered.push(r));
  }
  async send(mail: OutgoingMail): Promise<SendResult> {
    this.attempts++;
    this.sendTimes.push(Date.now());
    for (const r of this.entered.splice(0)) r();
    if (this.gate) await this.gate.promise;
    if (this.failAlways || this.failNext > 0) {
      if (this.failNext > 0) this.failNext--;
      throw new Error("connect ECONNREFUSED 127.0.0.1:2525");
    }
    this.delivered.push(mail);
    return { messageId: `<${this.delivered.length}@test>`, destination: "memory" };
  }
  async close(): Promise<void> {}
}

let dir: string;
let storage: Storage;
let service: RosterService;
let feed: ChangeFeed;
let owner: Caller;
let orgID: string;
let seq = 0;
const workers: OutboxWorker[] = [];
let clockOffsetMs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "roster-outbox-"));
  storage = await openPgliteStorage({ dataDir: dir });
  await migrate(storage);
  service = new RosterService(storage, {
    limits: { resendIntervalS: 0 },
    now: () => Date.now() + clockOffsetMs,
  });
  feed = await ChangeFeed.start(storage);
  const s = await service.setup({
    org: "Acme <Labs>",
    email: "alice@example.com",
    name: "Alice Liddell",
  });
  owner = { userID: s.user.id, email: s.user.email };
  orgID = s.org.id;
});

afterEach(async () => {
  for (const w of workers.splice(0)) await w.close(1_000);
  clockOffsetMs = 0;
});

afterAll(async () => {
  await feed.close();
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * `shared`: present the storage like a PostgreSQL server shared by several
 * daemons (no restart recovery: only leases keep workers apart).
 */
function startWorker(
  transport: MailTransport,
  opts: MailOptionsInput = {},
  withFeed = true,
  shared = false,
): OutboxWorker {
  const settings = resolveMailSettings(
    { publicUrl: "https://roster.example.com/", mailBackoffBaseMs: 30, mailPollMs: 50, ...opts },
    "http://127.0.0.1:1",
    {},
  );
  const queueStorage = shared
    ? { query: storage.query.bind(storage), transaction: storage.transaction.bind(storage) }
    : storage;
  const w = new OutboxWorker({
    queue: new OutboxQueue(queueStorage, service.ctx),
    feed: withFeed ? feed : undefined,
    transport,
    settings,
    logger: silentLogger,
    random: () => 0.5,
  });
  workers.push(w);
  w.start();
  return w;
}

async function invite(): Promise<Invite> {
  const email = `person${++seq}@example.com`;
  const { invite } = await service.createInvite(owner, orgID, { email, role: "owner" });
  return invite;
}

async function current(inviteID: string): Promise<Invite> {
  const all = await service.listInvites(orgID, "all");
  const i = all.invites.find((x: Invite) => x.id === inviteID);
  if (!i) throw new Error(`invite ${inviteID} not listed`);
  return i;
}

interface OutboxRow {
  id: number;
  state: string;
  attempts: number;
  link_token: string | null;
  last_error: string | null;
  send_number: number;
  sent_at: Date | null;
}
async function outbox(inviteID: string): Promise<OutboxRow[]> {
  const r = await storage.query<OutboxRow>(
    "select id, state, attempts, link_token, last_error, send_number, sent_at from outbox where invite_id = $1 order by id",
    [inviteID],
  );
  return r.rows;
}

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("outbox worker", () => {
  it("sends a new invitation once, nulls the stored token and records `sent` through the change log", async () => {
    const t = new ControlledTransport();
    const seen: string[] = [];
    const unsubscribe = feed.subscribe((_o, e) => {
      if (e.change.type === "invite.delivery")
        seen.push(`${e.change.invite.id}:${e.change.invite.delivery.state}`);
    });
    startWorker(t);
    const inv = await invite();
    await until(async () => (await current(inv.id)).delivery.state === "sent");
    await feed.idle();
    unsubscribe();

    expect(t.delivered).toHaveLength(1);
    const m = t.delivered[0]!;
    expect(m.to).toBe(inv.email);
    expect(m.subject).toBe("Alice Liddell invited you to join Acme <Labs> on Roster");
    expect(m.replyTo).toBe("alice@example.com");
    expect(m.from).toBe("Roster <roster@roster.example.com>");
    expect(m.link).toMatch(
      /^https:\/\/roster\.example\.com\/activate\/roster_inv_[A-Za-z0-9_-]{43}$/,
    );
    expect(m.text).toContain(m.link);
    expect(m.html).toContain("Acme &lt;Labs&gt;");

    const rows = await outbox(inv.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      state: "sent",
      attempts: 1,
      link_token: null,
      last_error: null,
    });
    expect(rows[0]?.sent_at).toBeTruthy();
    expect((await current(inv.id)).delivery).toEqual({ state: "sent", attempts: 1 });
    expect(seen).toEqual([`${inv.id}:sent`]);

    // The link in the message is the one that accepts the invitation.
    const token = decodeURIComponent(m.link.split("/activate/")[1]!);
    const accepted = await service.acceptInvite({ token, name: "Person" });
    expect(accepted.user.email).toBe(inv.email);
    expect(t.delivered).toHaveLength(1);
  });

  it("retries a failing send with backoff, showing `failed` with the error and the next attempt time", async () => {
    const t = new ControlledTransport();
    t.failNext = 2;
    t.hold();
    startWorker(t, { mailBackoffBaseMs: 400 });
    const inv = await invite();
    t.release();

    const failed = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "failed" ? i : undefined;
    });
    expect(failed.delivery.lastError).toBe("connect ECONNREFUSED 127.0.0.1:2525");
    expect(failed.delivery.attempts).toBe(1);
    const next = Date.parse(failed.delivery.nextAttemptAt!);
    // equal jitter at random 0.5: 0.75 × 400 ms after the failure
    expect(next).toBeGreaterThan(Date.now() - 1_000);
    expect(next).toBeLessThan(Date.now() + 1_000);
    expect((await outbox(inv.id))[0]).toMatchObject({ state: "failed", attempts: 1 });
    expect((await outbox(inv.id))[0]?.link_token).toBeTruthy();

    const sent = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    });
    expect(sent.delivery).toEqual({ state: "sent", attempts: 3 });
    expect(t.attempts).toBe(3);
    expect(t.delivered).toHaveLength(1);
    expect((await outbox(inv.id))[0]).toMatchObject({
      state: "sent",
      attempts: 3,
      link_token: null,
    });
  });

  it("gives up after maxAttempts: failed, no next attempt, token gone, no further sends", async () => {
    const t = new ControlledTransport();
    t.failAlways = true;
    startWorker(t, { mailMaxAttempts: 3, mailBackoffBaseMs: 10 });
    const inv = await invite();
    const gaveUp = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "failed" && i.delivery.attempts === 3 ? i : undefined;
    });
    expect(gaveUp.delivery.nextAttemptAt).toBeUndefined();
    expect(gaveUp.delivery.lastError).toBe(
      "connect ECONNREFUSED 127.0.0.1:2525 (gave up after 3 attempts)",
    );
    const [row] = await outbox(inv.id);
    expect(row).toMatchObject({ state: "failed", attempts: 3, link_token: null });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.attempts).toBe(3);
  });

  it("retries for as long as the link is valid, then marks it failed for good", async () => {
    // The link expires 4 s from now (room for many attempts on a loaded machine);
    // the server refuses every attempt.
    clockOffsetMs = -(72 * 3_600_000 - 4_000);
    const inv = await invite();
    clockOffsetMs = 0;
    const t = new ControlledTransport();
    t.failAlways = true;
    const w = startWorker(t, { mailBackoffBaseMs: 20, mailBackoffCapMs: 100 });
    const gaveUp = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "failed" && i.delivery.nextAttemptAt === undefined
        ? i
        : undefined;
    });
    const n = gaveUp.delivery.attempts!;
    // Far more than the 8 attempts of old: retried every ≤ 100 ms for 4 s.
    expect(n).toBeGreaterThan(8);
    // Given up when the next attempt would come too late — or, on a machine slow
    // enough that the last retry is claimed after the expiry, at that claim.
    expect([
      `connect ECONNREFUSED 127.0.0.1:2525 (gave up after ${n} attempts: the link expires before the next one)`,
      "the activation link expired before the email could be sent; resend the invitation",
    ]).toContain(gaveUp.delivery.lastError);
    // Given up only when less than one (capped) delay was left.
    expect(t.sendTimes.at(-1)!).toBeGreaterThan(Date.parse(inv.expiresAt) - 100 - 50);
    expect((await outbox(inv.id))[0]).toMatchObject({
      state: "failed",
      attempts: n,
      link_token: null,
    });
    // For good: the server is back, the worker runs again, nothing is sent.
    t.failAlways = false;
    w.nudge();
    await w.idle();
    expect(t.attempts).toBe(n);
    expect(t.delivered).toHaveLength(0);
  });

  it("a restarted worker resumes the retry schedule from the database", async () => {
    const a = new ControlledTransport();
    a.failAlways = true;
    const wa = startWorker(a, { mailBackoffBaseMs: 1_500 });
    const inv = await invite();
    const failed = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "failed" ? i : undefined;
    });
    expect(failed.delivery.attempts).toBe(1);
    const due = Date.parse(failed.delivery.nextAttemptAt!);
    expect(due - Date.now()).toBeGreaterThan(500); // 0.75 × 1.5 s after the failure
    await wa.close();

    const b = new ControlledTransport();
    startWorker(b, { mailBackoffBaseMs: 1_500 });
    const sent = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    });
    // Not at once (the schedule was kept), and the second attempt, not a new first.
    expect(b.sendTimes).toHaveLength(1);
    expect(b.sendTimes[0]!).toBeGreaterThanOrEqual(due - 20);
    expect(sent.delivery).toEqual({ state: "sent", attempts: 2 });
    expect(a.attempts).toBe(1);
  });

  it("never sends a withdrawn invitation's mail", async () => {
    const inv = await invite();
    await service.withdrawInvite(owner, orgID, inv.id);
    const t = new ControlledTransport();
    const w = startWorker(t);
    await new Promise((r) => setTimeout(r, 200));
    await w.idle();
    expect(t.attempts).toBe(0);
    expect(await outbox(inv.id)).toMatchObject([{ state: "cancelled", link_token: null }]);
  });

  it("cancels a row the daemon left queued for an invitation that is no longer pending", async () => {
    const inv = await invite();
    // As if an older daemon had withdrawn without cancelling the outbox row.
    await storage.query("update invites set status = 'withdrawn' where id = $1", [inv.id]);
    const t = new ControlledTransport();
    const w = startWorker(t);
    await until(async () => (await outbox(inv.id))[0]?.state === "cancelled");
    await w.idle();
    expect(t.attempts).toBe(0);
    expect((await outbox(inv.id))[0]?.link_token).toBeNull();
    await storage.query("update invites set status = 'pending' where id = $1", [inv.id]);
    await service.withdrawInvite(owner, orgID, inv.id);
  });

  it("resend before the first send: only the new link goes out", async () => {
    const inv = await invite();
    await service.resendInvite(owner, orgID, inv.id);
    const t = new ControlledTransport();
    startWorker(t);
    await until(async () => (await current(inv.id)).delivery.state === "sent");
    expect(t.delivered).toHaveLength(1);
    const rows = await outbox(inv.id);
    expect(rows.map((r) => [r.send_number, r.state])).toEqual([
      [1, "cancelled"],
      [2, "sent"],
    ]);
    expect(rows.every((r) => r.link_token === null)).toBe(true);
  });

  it("resend while the first send is in flight: both go out, the stale one is not recorded", async () => {
    const t = new ControlledTransport();
    t.hold();
    const entered = t.started();
    startWorker(t);
    const inv = await invite();
    await entered;
    await service.resendInvite(owner, orgID, inv.id); // cancels row 1 under the org lock
    const secondEntered = t.started();
    t.release();
    await secondEntered;
    await until(async () => (await current(inv.id)).delivery.state === "sent");
    expect(t.delivered).toHaveLength(2);
    const [first, second] = t.delivered;
    expect(first?.link).not.toBe(second?.link);
    const rows = await outbox(inv.id);
    expect(rows.map((r) => [r.send_number, r.state])).toEqual([
      [1, "cancelled"],
      [2, "sent"],
    ]);
    const tokenOf = (m: OutgoingMail | undefined) =>
      decodeURIComponent(m!.link.split("/activate/")[1]!);
    await expect(service.acceptInvite({ token: tokenOf(first) })).rejects.toMatchObject({
      error: { reason: "invite_superseded" },
    });
    await service.withdrawInvite(owner, orgID, inv.id);
  });

  it("a link that expired before it could be sent is marked failed, not sent", async () => {
    clockOffsetMs = -73 * 3_600_000;
    const inv = await invite();
    clockOffsetMs = 0;
    const t = new ControlledTransport();
    startWorker(t);
    const i = await until(async () => {
      const x = await current(inv.id);
      return x.delivery.state === "failed" ? x : undefined;
    });
    expect(i.delivery.lastError).toMatch(/expired before the email could be sent/);
    expect(i.delivery.nextAttemptAt).toBeUndefined();
    expect(t.attempts).toBe(0);
    expect((await outbox(inv.id))[0]).toMatchObject({ state: "failed", link_token: null });
  });

  it("a send abandoned by a dead worker goes out again after its lease, and the late mark is fenced off", async () => {
    const a = new ControlledTransport();
    a.hold();
    const aEntered = a.started();
    const wa = startWorker(a, { mailLeaseMs: 300 }, false, true);
    const inv = await invite();
    wa.nudge();
    await aEntered;
    // Worker A "dies" mid-send: it stops claiming; its send is still hanging.
    await wa.close(0);

    const b = new ControlledTransport();
    b.hold();
    const bEntered = b.started();
    const bStarted = Date.now();
    startWorker(b, { mailLeaseMs: 300 }, false, true);
    await bEntered; // B re-claimed the row once A's lease ran out
    expect(Date.now() - bStarted).toBeGreaterThanOrEqual(150);
    expect((await outbox(inv.id))[0]).toMatchObject({ attempts: 2 });

    // A's send completes while B's is still on its way: A's mark must not land.
    a.release();
    await wa.idle();
    expect(a.delivered).toHaveLength(1); // the at-least-once duplicate
    expect((await outbox(inv.id))[0]).toMatchObject({ state: "queued", attempts: 2 });
    expect((await current(inv.id)).delivery.state).toBe("queued");

    b.release();
    const sent = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    });
    expect(sent.delivery).toEqual({ state: "sent", attempts: 2 });
    expect(b.delivered).toHaveLength(1);
    expect((await outbox(inv.id))[0]).toMatchObject({
      state: "sent",
      attempts: 2,
      link_token: null,
    });
  });

  it("on the embedded database, a restarted worker sends at once what a dead process had claimed", async () => {
    const a = new ControlledTransport();
    a.hold();
    const aEntered = a.started();
    const wa = startWorker(a, { mailLeaseMs: 60_000 }, false);
    const inv = await invite();
    wa.nudge();
    await aEntered;
    await wa.close(0); // "kill -9" during the send: the row stays leased for a minute

    const b = new ControlledTransport();
    startWorker(b, { mailLeaseMs: 60_000 });
    const sent = await until(async () => {
      const i = await current(inv.id);
      return i.delivery.state === "sent" ? i : undefined;
    }, 3_000);
    expect(sent.delivery.attempts).toBe(2);
    expect(b.delivered.map((m) => m.to)).toEqual([inv.email]);
    a.release();
    await wa.idle();
  });

  it("gives up on a row whose every attempt was interrupted (a crash loop)", async () => {
    const inv = await invite();
    // As if the process had died during each of the 3 allowed attempts.
    await storage.query("update outbox set attempts = 3 where invite_id = $1", [inv.id]);
    const t = new ControlledTransport();
    startWorker(t, { mailMaxAttempts: 3 });
    const i = await until(async () => {
      const x = await current(inv.id);
      return x.delivery.state === "failed" ? x : undefined;
    });
    expect(i.delivery).toEqual({
      state: "failed",
      attempts: 3,
      lastError: "gave up after 3 attempts (the last one was interrupted)",
    });
    expect(t.attempts).toBe(0);
    expect((await outbox(inv.id))[0]).toMatchObject({ state: "failed", link_token: null });
  });

  it("two workers on one database send every row exactly once", async () => {
    const t1 = new ControlledTransport();
    const t2 = new ControlledTransport();
    const invites: Invite[] = [];
    for (let k = 0; k < 12; k++) invites.push(await invite());
    startWorker(t1);
    startWorker(t2);
    await until(async () => {
      const all = await Promise.all(invites.map((i) => current(i.id)));
      return all.every((i) => i.delivery.state === "sent");
    });
    const to = [...t1.delivered, ...t2.delivered].map((m) => m.to).sort();
    expect(to).toEqual(invites.map((i) => i.email).sort());
    for (const i of invites)
      await service.withdrawInvite(owner, orgID, i.id).catch(() => undefined);
  });

  it("records a batch of sends in one transaction; each delivery is still its own change, in version order", async () => {
    const invites: Invite[] = [];
    for (let k = 0; k < 6; k++) invites.push(await invite());
    // Per transaction of the worker: how many changes it appended.
    const appends: number[] = [];
    const counting = {
      kind: storage.kind,
      query: storage.query.bind(storage),
      transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
        storage.transaction(async (tx) => {
          let n = 0;
          const wrapped: Sql = {
            query: (text, params) => {
              if (/insert into changes/.test(text)) n++;
              return tx.query(text, params);
            },
          };
          try {
            return await fn(wrapped);
          } finally {
            appends.push(n);
          }
        }),
    };
    // Only this test's invitations: the feed may still be delivering earlier tests' changes.
    const ours = new Set(invites.map((i) => i.id));
    const seen: ChangeEntry[] = [];
    const unsubscribe = feed.subscribe((_o, e) => {
      if (e.change.type === "invite.delivery" && ours.has(e.change.invite.id)) seen.push(e);
    });
    const t = new ControlledTransport();
    const w = new OutboxWorker({
      queue: new OutboxQueue(counting, service.ctx),
      transport: t,
      settings: resolveMailSettings(
        { publicUrl: "https://roster.example.com/", mailPollMs: 60_000, mailBatchSize: 8 },
        "http://127.0.0.1:1",
        {},
      ),
      logger: silentLogger,
    });
    workers.push(w);
    w.start();
    await until(async () => {
      const all = await Promise.all(invites.map((i) => current(i.id)));
      return all.every((i) => i.delivery.state === "sent");
    });
    await w.idle();
    await until(async () => seen.length >= 6);
    unsubscribe();
    expect(t.delivered.map((m) => m.to).sort()).toEqual(invites.map((i) => i.email).sort());
    // One claim, one record: six deliveries in a single commit (not six).
    expect(appends.filter((n) => n > 0)).toEqual([6]);
    // Live sessions still get one change per invitation, gapless.
    const versions = seen.map((e) => e.version);
    expect(versions).toEqual(versions.map((_, k) => versions[0]! + k));
    expect(new Set(seen.map((e) => (e.change as { invite: Invite }).invite.id))).toEqual(
      new Set(invites.map((i) => i.id)),
    );
    for (const i of invites) await service.withdrawInvite(owner, orgID, i.id);
  });

  it("a batch whose transaction fails is recorded row by row: nothing sent twice", async () => {
    const invites: Invite[] = [];
    for (let k = 0; k < 3; k++) invites.push(await invite());
    let failed = 0;
    const committed: number[] = [];
    const flaky = {
      kind: storage.kind,
      query: storage.query.bind(storage),
      transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
        storage.transaction(async (tx) => {
          let n = 0;
          const wrapped: Sql = {
            query: (text, params) => {
              if (/insert into changes/.test(text)) n++;
              return tx.query(text, params);
            },
          };
          const v = await fn(wrapped);
          // The first transaction recording more than one delivery fails at its end.
          if (n > 1 && failed++ === 0) throw new Error("injected: the batch's commit failed");
          committed.push(n);
          return v;
        }),
    };
    const t = new ControlledTransport();
    const w = new OutboxWorker({
      queue: new OutboxQueue(flaky, service.ctx),
      transport: t,
      settings: resolveMailSettings(
        { publicUrl: "https://roster.example.com/", mailPollMs: 60_000, mailBatchSize: 8 },
        "http://127.0.0.1:1",
        {},
      ),
      logger: silentLogger,
    });
    workers.push(w);
    w.start();
    await until(async () => {
      const all = await Promise.all(invites.map((i) => current(i.id)));
      return all.every((i) => i.delivery.state === "sent");
    });
    await w.idle();
    expect(failed).toBe(1);
    expect(committed.filter((n) => n > 0)).toEqual([1, 1, 1]);
    expect(t.delivered.map((m) => m.to).sort()).toEqual(invites.map((i) => i.email).sort());
    for (const i of invites) {
      expect((await current(i.id)).delivery).toEqual({ state: "sent", attempts: 1 });
      await service.withdrawInvite(owner, orgID, i.id);
    }
  });

  it("is woken by invite.created without waiting for the poll", async () => {
    const t = new ControlledTransport();
    startWorker(t, { mailPollMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const inv = await invite();
    await until(async () => (await current(inv.id)).delivery.state === "sent", 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(t.delivered.map((m) => m.to)).toEqual([inv.email]);
  });
});

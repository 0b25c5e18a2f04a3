/**
 * R14's abuse limits over real HTTP, on a daemon configured with small ones
 * and a clock the test moves: invitation emails (invites and resends) per
 * org per hour, emails per address per day across all orgs, org creations
 * per user per day. Over a limit: 429 too many requests, reason
 * rate_limited, Retry-After in whole seconds, and nothing created (no
 * invitation, no outbox row, no org, no change); a 429 is not recorded
 * against an Idempotency-Key. Once the window has moved on, the same request
 * goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startInProcessDaemon, type InProcessDaemon } from "./support/daemon.ts";

const base = Date.parse("2026-03-01T09:00:00.000Z");
const clock = { offset: 0 };
const LIMITS = { orgsPerUserPerDay: 6, emailsPerOrgPerHour: 4, emailsPerAddressPerDay: 2 };

let d: InProcessDaemon;
let token: string;
const orgs: string[] = [];

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    resendIntervalS: 0,
    abuse: LIMITS,
    now: () => base + clock.offset,
  });
  token = (await d.setupOrg()).token;
  // Five of the owner's six org creations for today.
  for (let i = 0; i < 5; i++) orgs.push((await d.client(token).createOrg(`Org ${i}`)).id);
});
afterAll(async () => {
  await d?.close();
});

const invite = (orgID: string, email: string, headers: Record<string, string> = {}) =>
  http(d.url, "POST", `/api/v2/orgs/${orgID}/invites`, { token, json: { email }, headers });

async function outboxRows(orgID: string): Promise<number> {
  const r = await d.daemon.storage.query<{ n: number }>(
    "select count(*)::int as n from outbox where org_id = $1",
    [orgID],
  );
  return r.rows[0]?.n ?? 0;
}
const version = async (orgID: string) => (await d.client(token).changes(orgID, 0)).version;

function expectRateLimited(
  r: Awaited<ReturnType<typeof http>>,
  retryAfterS: number,
  message: RegExp,
) {
  expect(r.status).toBe(429);
  expect(r.body).toEqual({
    code: "too many requests",
    reason: "rate_limited",
    message: expect.stringMatching(message),
  });
  expect(r.headers.get("retry-after")).toBe(String(retryAfterS));
}

describe("R14: org creations per user per day", () => {
  it("the seventh org in 24 hours is 429 with Retry-After, nothing created; a day later it goes through", async () => {
    // Five were created in beforeAll, at the start of the (test) day.
    clock.offset = 2 * 3600_000;
    expect((await d.client(token).createOrg("Sixth")).name).toBe("Sixth");
    const before = (await d.client(token).listOrgs()).orgs.length;
    const key = { "Idempotency-Key": `org-${Math.random()}` };
    const over = await http(d.url, "POST", "/api/v2/orgs", {
      token,
      json: { name: "Seventh" },
      headers: key,
    });
    expectRateLimited(
      over,
      22 * 3600,
      /^You have created 6 organizations in the last 24 hours, the most this daemon allows\. Try again in 22 h\.$/,
    );
    expect((await d.client(token).listOrgs()).orgs.length).toBe(before);

    clock.offset = 24 * 3600_000 + 1000;
    const later = await http(d.url, "POST", "/api/v2/orgs", {
      token,
      json: { name: "Seventh" },
      headers: key,
    });
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect((await d.client(token).listOrgs()).orgs.length).toBe(before + 1);
  });
});

describe("R14: invitation emails per org per hour", () => {
  it("invites and resends count; the next is 429 with Retry-After, nothing created; other orgs are not affected", async () => {
    const org = orgs[0]!;
    const first = await invite(org, "a@example.com");
    expect(first.status).toBe(201);
    expect((await invite(org, "b@example.com")).status).toBe(201);
    clock.offset += 10 * 60_000;
    expect((await invite(org, "c@example.com")).status).toBe(201);
    const resend = await http(
      d.url,
      "POST",
      `/api/v2/orgs/${org}/invites/${first.body.id}/resend`,
      {
        token,
      },
    );
    expect(resend.status).toBe(200);
    const [rows, v] = [await outboxRows(org), await version(org)];

    const key = { "Idempotency-Key": `over-${Math.random()}` };
    const over = await invite(org, "d@example.com", key);
    // The oldest of the hour's four emails leaves the window 50 minutes from now.
    expectRateLimited(
      over,
      50 * 60,
      /^This organization has sent 4 invitation emails in the last hour, the most this daemon allows\. Try again in 50 min\.$/,
    );
    const overResend = await http(
      d.url,
      "POST",
      `/api/v2/orgs/${org}/invites/${first.body.id}/resend`,
      { token },
    );
    expectRateLimited(overResend, 50 * 60, /^This organization has sent 4 /);
    expect(await outboxRows(org)).toBe(rows);
    expect(await version(org)).toBe(v);
    const all = await d.client(token).listInvites(org, "all");
    expect(all.invites.map((i) => i.email).sort()).toEqual([
      "a@example.com",
      "b@example.com",
      "c@example.com",
    ]);

    // Another org of the same owner still sends.
    expect((await invite(orgs[1]!, "d@example.com")).status).toBe(201);

    // Once the first two emails are an hour old, two more go out; the same key now runs.
    clock.offset += 50 * 60_000;
    const later = await invite(org, "d@example.com", key);
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect((await invite(org, "e@example.com")).status).toBe(201);
    expectRateLimited(await invite(org, "f@example.com"), 10 * 60, /Try again in 10 min\.$/);
  });
});

describe("R14: emails per recipient address per day, across all orgs", () => {
  it("the third email to one address in 24 hours is refused, whichever org sends it", async () => {
    const [x, y, w] = [orgs[2]!, orgs[3]!, orgs[4]!];
    expect((await invite(x, "Target@Example.com")).status).toBe(201);
    clock.offset += 60 * 60_000;
    const second = await invite(y, "target@example.com");
    expect(second.status).toBe(201);
    const rows = await outboxRows(w);
    const third = await invite(w, "  TARGET@example.com ");
    expectRateLimited(
      third,
      23 * 3600,
      /^This address has been sent 2 invitation emails in the last 24 hours, the most this daemon allows\. Try again in 23 h\.$/,
    );
    expect(await outboxRows(w)).toBe(rows);
    // A resend to it is an email too.
    const resend = await http(d.url, "POST", `/api/v2/orgs/${y}/invites/${second.body.id}/resend`, {
      token,
    });
    expectRateLimited(resend, 23 * 3600, /^This address has been sent 2 /);
    // Other addresses are not affected.
    expect((await invite(w, "someone-else@example.com")).status).toBe(201);
    clock.offset += 23 * 3600_000;
    expect((await invite(w, "target@example.com")).status).toBe(201);
  });
});

/**
 * Retention (issue 12, R14): past `--retention-days`, the daemon's hourly
 * housekeeping (also run at start) deletes sent or cancelled outbox rows,
 * the `.eml` files of the file transport, and the hashes of links that can
 * no longer be used (replaced by a resend, or of a withdrawn invitation);
 * a link that still works is kept and still accepts.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedLinks } from "./cli-support.ts";
import { http, startInProcessDaemon, type InProcessDaemon } from "./support/daemon.ts";
import { waitUntil } from "./support/until.ts";

const DAY = 24 * 3600 * 1000;
const clock = { offset: 0 };
let d: InProcessDaemon;
let owner: { token: string; orgID: string };

beforeAll(async () => {
  d = await startInProcessDaemon({
    resendIntervalS: 0,
    retentionDays: 2,
    now: () => Date.now() + clock.offset,
  });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

const mailDir = () => join(d.dataDir, "mail");
const emlFiles = () =>
  (existsSync(mailDir()) ? readdirSync(mailDir()) : []).filter((n) => n.endsWith(".eml"));
const count = async (sql: string) =>
  Number((await d.daemon.storage.query<{ n: number }>(sql)).rows[0]?.n ?? 0);
const unsent = () => count("select count(*)::int as n from outbox where link_token is not null");
const tokenOf = (url: string) => url.slice(url.lastIndexOf("/") + 1);

describe("retention", () => {
  it("prunes sent mail, .eml files and unusable link hashes past the retention; a usable link still accepts", async () => {
    const path = `/api/v2/orgs/${owner.orgID}/invites`;
    const a = await http(d.url, "POST", path, {
      token: owner.token,
      json: { email: "a@example.com" },
    });
    expect(a.status).toBe(201);
    const oldLink = tokenOf((await mailedLinks(d.dataDir, "a@example.com", 1))[0]!);
    await waitUntil("the first email is sent", async () => (await unsent()) === 0);
    const resent = await http(d.url, "POST", `${path}/${a.body.id}/resend`, { token: owner.token });
    expect(resent.status).toBe(200);
    const currentLink = tokenOf((await mailedLinks(d.dataDir, "a@example.com", 2))[1]!);
    expect(currentLink).not.toBe(oldLink);
    const b = await http(d.url, "POST", path, {
      token: owner.token,
      json: { email: "b@example.com" },
    });
    await waitUntil("every email is sent", async () => (await unsent()) === 0);
    expect(
      (await http(d.url, "DELETE", `${path}/${b.body.id}`, { token: owner.token })).status,
    ).toBe(204);
    expect(emlFiles()).toHaveLength(3);
    expect(await count("select count(*)::int as n from outbox")).toBe(3);
    expect(await count("select count(*)::int as n from invite_tokens")).toBe(3);

    // Within the retention nothing goes.
    clock.offset = DAY;
    expect(await d.daemon.prune()).toMatchObject({ outbox: 0, inviteTokens: 0, mailFiles: 0 });
    expect(emlFiles()).toHaveLength(3);
    const superseded = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: oldLink },
    });
    expect(superseded.body).toMatchObject({ reason: "invite_superseded" });

    // Past it: the sent mail, its files, the replaced link and the withdrawn one.
    clock.offset = 2 * DAY + 3600_000;
    expect(await d.daemon.prune()).toMatchObject({ outbox: 3, inviteTokens: 2, mailFiles: 3 });
    expect(emlFiles()).toEqual([]);
    expect(await count("select count(*)::int as n from outbox")).toBe(0);
    expect(await count("select count(*)::int as n from invite_tokens")).toBe(1);
    const gone = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token: oldLink } });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ reason: "invite_not_found" });

    // The current link (sent 2 days ago, valid 72 hours) still works.
    const ok = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: currentLink },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe("a@example.com");
  });
});

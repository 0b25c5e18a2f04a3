/**
 * SPEC §7 on a PostgreSQL server: an acknowledged change survives kill -9 of
 * the daemon (the server committed it before the 2xx), and a server whose
 * settings would let an acknowledged change be lost in a power cut is named
 * in the daemon's log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invite } from "@roster/core";
import { startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { postgresAvailable, startTestPostgres, type TestPostgres } from "./support/postgres.ts";

describe.skipIf(!postgresAvailable())("durability on a PostgreSQL server", () => {
  let pg: TestPostgres;
  let d: TestDaemon;
  let o: OrgSetup;
  beforeAll(async () => {
    pg = await startTestPostgres();
    d = await startTestDaemon({ databaseUrl: await pg.createDatabase() });
    o = await d.setupOrg({ org: "Server", email: "server@example.com" });
  }, 120_000);
  afterAll(async () => {
    await d?.cleanup();
    await pg?.stop();
  });

  it("warns when the server runs with fsync or synchronous_commit off (the test server does)", () => {
    expect(d.output()).toContain(
      "the PostgreSQL server runs with fsync=off and synchronous_commit=off: a change it acknowledged can be lost in a power cut or an OS crash",
    );
  });

  it("every acknowledged change survives kill -9 of the daemon", async () => {
    const c = d.client(o.token);
    const acked: Invite[] = [];
    let killed = false;
    const inflight = Array.from({ length: 40 }, (_, i) =>
      c.createInvite(o.orgID, { email: `k${i}@example.com` }).then(
        (inv) => {
          if (!killed) acked.push(inv);
        },
        () => undefined,
      ),
    );
    while (acked.length < 10) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    await d.kill();
    await Promise.all(inflight);
    await d.restart();
    const ids = new Set(
      (await d.client(o.token).listInvites(o.orgID, "all")).invites.map((i) => i.id),
    );
    for (const inv of acked) expect(ids.has(inv.id)).toBe(true);
    const log = await d.client(o.token).changes(o.orgID, 0);
    expect(log.changes.map((x) => x.version)).toEqual(
      Array.from({ length: log.version }, (_, i) => i + 1),
    );
  }, 120_000);
});

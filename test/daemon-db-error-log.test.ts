/**
 * Secrets are never logged (SPEC §7, issue 12): when a statement that
 * carries a raw activation token fails (here the outbox insert of a new
 * invitation, refused by a constraint planted for the test), the daemon's
 * log line says which statement failed and why, without its parameters or
 * the row's values: no raw token reaches the log.
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@roster/daemon/testing";
import { http, startInProcessDaemon, type InProcessDaemon } from "./support/daemon.ts";

let d: InProcessDaemon;
let log = "";
let owner: { token: string; orgID: string };

beforeAll(async () => {
  const out = new PassThrough();
  out.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  d = await startInProcessDaemon({ mail: false, logger: createLogger("info", out) });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

describe("a failing query's log line", () => {
  it("names the statement and the error, never the raw invitation token in its parameters or row", async () => {
    await d.daemon.storage.query(
      "alter table outbox add constraint test_refuse_links check (link_token is null) not valid",
    );
    try {
      const r = await http(d.url, "POST", `/api/v2/orgs/${owner.orgID}/invites`, {
        token: owner.token,
        json: { email: "leak@example.com" },
      });
      expect(r.status).toBe(500);
      expect(r.text).not.toMatch(/roster_inv_/);
    } finally {
      await d.daemon.storage.query("alter table outbox drop constraint test_refuse_links");
    }
    const line = log.split("\n").find((l) => l.includes('"internal error"'));
    expect(line).toBeDefined();
    const rec = JSON.parse(line!);
    // What failed and why is still there...
    expect(rec.err).toMatchObject({ code: "23514" });
    expect(rec.err.message).toMatch(/test_refuse_links/);
    expect(rec.err.query).toMatch(/insert into outbox/);
    // ...but not the values it carried.
    expect(rec.err.params).toBeUndefined();
    expect(rec.err.detail).toBeUndefined();
    expect(log).not.toMatch(/roster_inv_(?!\[redacted\])/);
    expect(log).not.toContain("leak@example.com");
  });
});

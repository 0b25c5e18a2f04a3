/**
 * Error messages a newcomer reads over real HTTP: they name the value that was
 * wrong the way it was sent (never "[object Object]"), say "required" rather
 * than zod's words, and say what to do next.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  http,
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";

let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false });
  owner = await d.setupOrg({ org: "Words Org", email: "owner@example.com" });
});
afterAll(async () => {
  await d?.close();
});

const invite = (json: unknown) =>
  http(d.url, "POST", `/api/v2/orgs/${owner.orgID}/invites`, { token: owner.token, json });

describe("error messages over HTTP", () => {
  it("show a non-string email or role as JSON", async () => {
    let r = await invite({ email: { a: 1 }, role: "owner" });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: "invalid",
      reason: "invalid_email",
      message: '{"a":1} is not a valid email address.',
    });

    r = await invite({ email: 42 });
    expect(r.body).toMatchObject({ message: "42 is not a valid email address." });

    r = await invite({ email: "role@example.com", role: ["owner"] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: "invalid",
      reason: "invalid_role",
      message: '["owner"] is not a role. Roles: owner.',
    });

    r = await invite({ email: "role@example.com", role: "admin" });
    expect(r.body).toMatchObject({ message: '"admin" is not a role. Roles: owner.' });
  });

  it("say a missing field is required and an empty name must not be empty", async () => {
    let r = await invite({ emails: ["a@example.com"] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: "invalid",
      reason: "invalid_body",
      message: 'Invalid request body: email: required; unknown field "emails".',
    });

    r = await http(d.url, "POST", "/api/v2/orgs", { token: owner.token, json: { name: "   " } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      code: "invalid",
      reason: "invalid_body",
      message: "Invalid request body: name: must not be empty.",
    });

    r = await http(d.url, "POST", "/api/v2/orgs", {
      token: owner.token,
      json: { name: "n".repeat(500) },
    });
    expect(r.body).toMatchObject({
      message: "Invalid request body: name: at most 200 characters.",
    });

    // Nothing was created by any of these.
    const invites = await d.client(owner.token).listInvites(owner.orgID, "all");
    expect(invites.invites).toEqual([]);
    const orgs = await d.client(owner.token).listOrgs();
    expect(orgs.orgs.map((o) => o.name)).toEqual(["Words Org"]);
  });

  it("an unknown invitation id is not called a link; an unknown link is", async () => {
    const base = `/api/v2/orgs/${owner.orgID}/invites/0123456789abcdef`;
    for (const [method, path] of [
      ["DELETE", base],
      ["POST", `${base}/resend`],
    ] as const) {
      const r = await http(d.url, method, path, { token: owner.token });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({
        code: "not found",
        reason: "invite_not_found",
        message: "There is no such invitation in this organization.",
      });
    }
    const r = await http(d.url, "POST", "/api/v2/invites/accept", {
      json: { token: "A".repeat(43) },
    });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      reason: "invite_not_found",
      message: "No invitation matches this link.",
    });
  });

  it("a second setup says how to join instead", async () => {
    const r = await http(d.url, "POST", "/api/v2/setup", {
      json: { org: "Again", email: "again@example.com" },
    });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      code: "conflict",
      reason: "setup_done",
      message:
        "Roster is already set up on this daemon. To join an organization, ask one of its owners to invite you, then accept the invitation.",
    });
  });
});

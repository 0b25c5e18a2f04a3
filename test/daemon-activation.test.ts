/**
 * The activation page behind an emailed link (SPEC §2): GET shows the org,
 * the inviter, the expiry and a form — and never accepts; the form's POST
 * accepts and shows the API token once. Everything is HTML-escaped, the
 * token in the URL leaks neither through Referer nor into the log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVITE_TTL_MS } from "@roster/core";
import type { RosterClient } from "@roster/core/client";
import { createLogger } from "@roster/daemon/testing";
import {
  http,
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "./support/daemon.ts";

const logLines: string[] = [];
const clock = { offset: 0 };
let d: InProcessDaemon;
let o: OrgSetup;
let c: RosterClient;
const secrets: string[] = [];

beforeAll(async () => {
  d = await startInProcessDaemon({
    mail: false,
    now: () => Date.now() + clock.offset,
    logger: createLogger("debug", { write: (s: string) => void logLines.push(s) }),
  });
  o = await d.setupOrg({
    org: `<script>alert("x")</script> & Co`,
    email: "inviter@example.com",
    name: `"O'Brien" <b>`,
  });
  c = d.client(o.token);
  secrets.push(o.token);
});
afterAll(async () => {
  await d?.close();
});

async function invite(email: string) {
  const inv = await c.createInvite(o.orgID, { email });
  const token = await d.activationToken(inv.id);
  secrets.push(token);
  return { inv, token };
}

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});

describe("GET /activate/:token", () => {
  it("shows org, inviter, invitee, expiry and a form that POSTs — escaped, with CSP and no-referrer", async () => {
    const { token } = await invite("page@example.com");
    const r = await http(d.url, "GET", `/activate/${token}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(r.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(r.headers.get("cache-control")).toBe("no-store");
    const html = r.text;
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Co");
    expect(html).not.toContain("<script");
    expect(html).toContain("&#34;O&#39;Brien&#34; &#60;b&#62;");
    expect(html).toContain("inviter@example.com");
    expect(html).toContain("page@example.com");
    expect(html).toMatch(/expires in 7[12]h/);
    expect(html).toMatch(/<form method="post" action="">/);
    expect(html).toMatch(/<input type="text" id="name" name="name"/);
    expect(html).toContain('<button type="submit">Accept invitation</button>');
    expect(html).toContain(`roster accept ${d.url}/activate/${token}`);
    // Installed, the command is `roster`; in a checkout it runs through pnpm.
    expect(html).toContain(
      `<code>roster accept ${d.url}/activate/${token}</code>\n— in a Roster checkout: <code>pnpm roster accept ${d.url}/activate/${token}</code>`,
    );
  });

  it("never accepts, however often it is fetched", async () => {
    const { inv, token } = await invite("scanner@example.com");
    const before = (await c.changes(o.orgID, 0)).version;
    for (let i = 0; i < 5; i++)
      expect((await http(d.url, "GET", `/activate/${token}`)).status).toBe(200);
    expect((await c.changes(o.orgID, 0)).version).toBe(before);
    expect((await c.listInvites(o.orgID)).invites.find((x) => x.id === inv.id)?.status).toBe(
      "pending",
    );
  });

  it("says why a link cannot be used", async () => {
    const unknown = await http(d.url, "GET", "/activate/not-a-real-token");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("No invitation matches this link.");
    expect(unknown.text).not.toContain("<form");

    const w = await invite("withdrawn@example.com");
    await c.withdrawInvite(o.orgID, w.inv.id);
    const withdrawn = await http(d.url, "GET", `/activate/${w.token}`);
    expect(withdrawn.status).toBe(409);
    expect(withdrawn.text).toContain("This invitation was withdrawn.");

    const s = await invite("superseded@example.com");
    clock.offset += 61_000;
    await c.resendInvite(o.orgID, s.inv.id);
    const superseded = await http(d.url, "GET", `/activate/${s.token}`);
    expect(superseded.status).toBe(409);
    expect(superseded.text).toContain("replaced by a newer one");

    const e = await invite("expired@example.com");
    clock.offset += INVITE_TTL_MS + 1000;
    const expired = await http(d.url, "GET", `/activate/${e.token}`);
    expect(expired.status).toBe(409);
    expect(expired.text).toContain("This invitation has expired.");
    expect((await http(d.url, "POST", `/activate/${e.token}`, form({}))).status).toBe(409);
  });
});

describe("POST /activate/:token", () => {
  it("accepts, shows the new API token once with how to use it, and the token works", async () => {
    const { inv, token } = await invite("joiner@example.com");
    const r = await http(d.url, "POST", `/activate/${token}`, form({ name: "Jo <Joiner>" }));
    expect(r.status).toBe(200);
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    const apiToken = /<pre id="token">(roster_tok_[A-Za-z0-9_-]{43})<\/pre>/.exec(r.text)?.[1];
    expect(apiToken).toBeDefined();
    secrets.push(apiToken!);
    expect(r.text).toContain(`ROSTER_TOKEN=${apiToken} roster`);
    expect(r.text).toContain("only this once");
    const me = await d.client(apiToken).me();
    expect(me).toMatchObject({ email: "joiner@example.com", name: "Jo <Joiner>" });
    expect((await c.listInvites(o.orgID, "accepted")).invites.map((x) => x.id)).toContain(inv.id);

    const again = await http(d.url, "POST", `/activate/${token}`, form({}));
    expect(again.status).toBe(409);
    expect(again.text).toContain("already been accepted");
    expect(again.text).not.toContain(apiToken!);
    const page = await http(d.url, "GET", `/activate/${token}`);
    expect(page.status).toBe(409);
  });

  it("answers a bad form in HTML, without accepting", async () => {
    const { token } = await invite("badform@example.com");
    const json = await http(d.url, "POST", `/activate/${token}`, { json: { name: "x" } });
    expect(json.status).toBe(415);
    expect(json.headers.get("content-type")).toMatch(/^text\/html/);
    const extra = await http(
      d.url,
      "POST",
      `/activate/${token}`,
      form({ name: "x", role: "admin" }),
    );
    expect(extra.status).toBe(400);
    expect(extra.headers.get("content-type")).toMatch(/^text\/html/);
    expect((await http(d.url, "GET", `/activate/${token}`)).status).toBe(200);
  });
});

describe("logs", () => {
  it("have a request id per request and never a token, an Authorization header or an activation path", async () => {
    const r = await http(d.url, "GET", "/api/v2/me", {
      token: o.token,
      headers: { "X-Request-Id": "trace-123" },
    });
    expect(r.headers.get("x-request-id")).toBe("trace-123");
    const records = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = records.filter((x) => x.msg === "request");
    expect(requests.length).toBeGreaterThan(10);
    for (const rec of requests) expect(rec.reqId).toEqual(expect.any(String));
    expect(requests).toContainEqual(
      expect.objectContaining({ reqId: "trace-123", path: "/api/v2/me", status: 200 }),
    );
    expect(requests.some((x) => x.path === "/activate/[token]")).toBe(true);
    const all = logLines.join("\n");
    expect(secrets.length).toBeGreaterThan(5);
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).not.toMatch(/authorization/i);
  });
});

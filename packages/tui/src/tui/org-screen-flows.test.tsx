/**
 * Every flow of the org screen, driven with keys through ink-testing-library,
 * against a REAL daemon (in this process) through core's real SyncEngine
 * (HTTP + WebSocket) — what the user sees is what the daemon holds.
 */
import {
  DEFAULT_LIMITS,
  errors,
  MemoryActionStore,
  PENDING_LIMIT,
  type Limits,
} from "@roster/core";
import { render } from "ink-testing-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import {
  startInProcessDaemon,
  tempDir,
  type InProcessDaemon,
  type OrgSetup,
} from "roster-workspace/test/support/daemon.ts";
import { freePort } from "roster-workspace/test/support/smtp-sink.ts";
import { OrgScreen } from "./components/org-screen.tsx";
import { openOrgEngine, type EngineAdapter } from "./engine-adapter.ts";
import {
  flat,
  frame,
  KEYS,
  lines,
  press,
  resize,
  sleep,
  type,
  unboxed,
  waitForFrame,
  type Rendered,
} from "./testing/ink-harness.ts";

let d: InProcessDaemon;
const open: { r: Rendered; engine: EngineAdapter }[] = [];

beforeAll(async () => {
  // No mail worker: the outbox keeps the activation tokens, so a test can accept an invitation.
  d = await startInProcessDaemon({ mail: false, resendIntervalS: 0 });
});

afterEach(async () => {
  for (const o of open.splice(0)) {
    o.r.unmount();
    await o.engine.close();
  }
});

afterAll(async () => {
  await d.close();
});

let orgSeq = 0;
async function newOrg(): Promise<OrgSetup> {
  orgSeq += 1;
  return d.setupOrg({ org: `Flow Org ${orgSeq}`, email: "owner@example.com", name: "Olive Owner" });
}

/** The org screen of `org` for its owner, 80×24, once live. */
async function screen(
  org: OrgSetup,
  { limits, ...opts }: { messageTtlMs?: number; limits?: Limits } = {},
): Promise<{ r: Rendered; engine: EngineAdapter }> {
  const engine = await openOrgEngine({
    url: d.url,
    token: org.token,
    orgID: org.orgID,
    actorID: org.userID,
    store: new MemoryActionStore(),
    ...(limits ? { limits } : {}),
  });
  const r = render(<OrgScreen engine={engine} onQuit={() => undefined} {...opts} />);
  resize(r, 80, 24);
  open.push({ r, engine });
  await waitForFrame(r, "● live");
  return { r, engine };
}

async function invitesOnDaemon(org: OrgSetup) {
  return (await d.client(org.token).listInvites(org.orgID)).invites;
}

/** Add a second member (invite + accept through the real endpoints). */
async function addMember(org: OrgSetup, email: string, name: string) {
  const client = d.client(org.token);
  const inv = await client.createInvite(org.orgID, { email, role: "owner" });
  const token = await d.activationToken(inv.id);
  const accepted = await d.client().acceptInvite({ token, name });
  return accepted.user;
}

/** A list row (selection glyph, mark glyph, then the email) for `email`. */
const hasRow = (f: string, email: string) =>
  lines(f).some((l) => /^[ ›][ …✗] /.test(l) && l.slice(3).startsWith(email));
const selectedLine = (r: Rendered) => lines(frame(r)).find((l) => l.startsWith("›")) ?? "";

describe("org screen flows (real daemon, real SyncEngine)", () => {
  it("invite: i, email, Enter → shown at once as unconfirmed, then confirmed by the daemon", async () => {
    const org = await newOrg();
    const { r } = await screen(org);
    await press(r, "i");
    await waitForFrame(r, "Invite someone to Flow Org");
    // The role picker offers Owner, selected by default, and says what an owner can do, whole.
    expect(frame(r)).toContain("(•) Owner");
    const roleHelp = "Owners do everything: invite, resend, withdraw and remove.";
    expect(unboxed(frame(r))).toContain(roleHelp);
    expect(frame(r)).not.toContain("…");
    // Narrower, it wraps instead of being cut.
    resize(r, 60, 24);
    await waitForFrame(
      r,
      (x) => lines(x).every((l) => l.length <= 60) && unboxed(x).includes(roleHelp),
    );
    resize(r, 80, 24);
    await waitForFrame(r, (x) => lines(x).some((l) => l.length > 60));
    await type(r, "Bob@Example.com ");
    await press(r, KEYS.enter);
    // The list switched to Invitations; the daemon's confirmation arrives through the live stream.
    const f = await waitForFrame(r, (x) =>
      /› +bob@example\.com +pending +expires in 7[12]h +1× +queued/.test(x),
    );
    expect(f).toContain("members: 1 · pending: 1/50");
    expect(f).toContain("[2 Invitations (1)]");
    const onDaemon = await invitesOnDaemon(org);
    expect(onDaemon.map((i) => i.email)).toEqual(["bob@example.com"]);
    expect(onDaemon[0]!.role).toBe("owner");
  });

  it("the new invitation is selected wherever the sort puts it", async () => {
    const org = await newOrg();
    for (const email of ["amy@example.com", "bea@example.com"])
      await d.client(org.token).createInvite(org.orgID, { email, role: "owner" });
    const { r } = await screen(org);
    await press(r, "2");
    await waitForFrame(r, /bea@example\.com/);
    for (let n = 0; n < 6 && !frame(r).includes("sort: email ↑"); n++) {
      await press(r, "s");
      await new Promise((ok) => setImmediate(ok));
    }
    await waitForFrame(r, "sort: email ↑");
    await press(r, "i");
    await waitForFrame(r, "Invite someone to Flow Org");
    await type(r, "Zed@Example.com");
    await press(r, KEYS.enter);
    // Last by email, yet selected: y or r right after act on it.
    await waitForFrame(r, /› +zed@example\.com .* queued/);
    expect(selectedLine(r)).toMatch(/zed@example\.com/);
    expect(lines(frame(r)).findIndex((l) => l.includes("zed@"))).toBeGreaterThan(
      lines(frame(r)).findIndex((l) => l.includes("amy@")),
    );
  });

  it("validation errors are core's messages, shown before anything is sent", async () => {
    const org = await newOrg();
    const { r } = await screen(org);
    await d
      .client(org.token)
      .createInvite(org.orgID, { email: "taken@example.com", role: "owner" });
    await waitForFrame(r, "pending: 1/50");
    const attempt = async (email: string, message: string) => {
      await press(r, "i");
      await waitForFrame(r, "Invite someone to");
      await type(r, email);
      await press(r, KEYS.enter);
      await waitForFrame(r, message.slice(0, 60));
      await press(r, KEYS.esc);
      await waitForFrame(r, (x) => !x.includes("Invite someone to"));
    };
    await attempt("not-an-email", errors.invalidEmail("not-an-email").message);
    await attempt("a@example.com, b@example.com", errors.multipleEmails().message);
    await attempt("owner@example.com", errors.alreadyMember("owner@example.com").message);
    await attempt("TAKEN@example.com", errors.alreadyInvited("taken@example.com").message);
    await attempt("", errors.emptyEmail().message);
    // Nothing new reached the daemon.
    expect((await invitesOnDaemon(org)).map((i) => i.email)).toEqual(["taken@example.com"]);
  });

  it("the 51st pending invitation is refused locally with the limit message", async () => {
    const org = await newOrg();
    const client = d.client(org.token);
    for (let i = 0; i < PENDING_LIMIT; i++) {
      await client.createInvite(org.orgID, { email: `p${i}@example.com`, role: "owner" });
    }
    const { r } = await screen(org);
    await waitForFrame(r, "pending: 50/50");
    await press(r, "i");
    await type(r, "one-more@example.com");
    await press(r, KEYS.enter);
    await waitForFrame(r, "already has 50 pending invitations");
    expect(await invitesOnDaemon(org)).toHaveLength(PENDING_LIMIT);
  });

  it("resend: r sends the selected invitation again (sends 2×)", async () => {
    const org = await newOrg();
    const inv = await d
      .client(org.token)
      .createInvite(org.orgID, { email: "carol@example.com", role: "owner" });
    const { r } = await screen(org);
    await press(r, "2");
    await waitForFrame(r, /› +carol@example\.com .* 1× /);
    await press(r, "r");
    await waitForFrame(r, /› +carol@example\.com .* 2× /);
    const onDaemon = await invitesOnDaemon(org);
    expect(onDaemon.find((i) => i.id === inv.id)!.sendCount).toBe(2);
  });

  it("a too-early resend is refused with a countdown that ends in 'can be resent now'", async () => {
    const org = await newOrg();
    // The TUI believes in a 4 s interval (the daemon here allows any): core's local check refuses.
    const { r } = await screen(org, { limits: { ...DEFAULT_LIMITS, resendIntervalS: 4 } });
    await press(r, "2");
    await d.client(org.token).createInvite(org.orgID, { email: "cody@example.com", role: "owner" });
    await waitForFrame(r, /› +cody@example\.com .* 1× /);
    await press(r, "r");
    const tooSoon = /Try resending again in (\d) s\./;
    let first = await waitForFrame(r, (f) => tooSoon.test(f) || /cody@example\.com .* 2× /.test(f));
    let sends = 1;
    if (!tooSoon.test(first)) {
      // A machine slow enough to take 4 s since the invitation was sent: that r resent
      // it, so the next one is the early one.
      sends = 2;
      await press(r, "r");
      first = await waitForFrame(r, tooSoon);
    }
    const n = Number(tooSoon.exec(first)![1]);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(4);
    // The number follows the clock instead of staying as it was written.
    if (n > 1) await waitForFrame(r, `Try resending again in ${n - 1} s.`, 3_000);
    await waitForFrame(r, "The invitation can be resent now: press r.", 6_000);
    await press(r, "r");
    await waitForFrame(r, new RegExp(`› +cody@example\\.com .* ${sends + 1}× `));
    expect((await invitesOnDaemon(org))[0]!.sendCount).toBe(sends + 1);
  });

  it("withdraw: d opens a confirm dialog on Cancel; Enter cancels, nothing happens", async () => {
    const org = await newOrg();
    await d.client(org.token).createInvite(org.orgID, { email: "dave@example.com", role: "owner" });
    const { r } = await screen(org);
    await press(r, "2");
    await waitForFrame(r, "dave@example.com");
    await press(r, "d");
    const f = await waitForFrame(r, "Withdraw Invitation");
    expect(f).toContain("› Cancel ‹");
    expect(f).toContain("Withdraw the invitation for dave@example.com?");
    await press(r, KEYS.enter);
    await waitForFrame(r, "Cancelled.");
    expect(await invitesOnDaemon(org)).toHaveLength(1);
    // Esc cancels too.
    await press(r, "x");
    await waitForFrame(r, "Withdraw Invitation");
    await press(r, KEYS.esc);
    await waitForFrame(r, (x) => !x.includes("Withdraw Invitation"));
    expect(await invitesOnDaemon(org)).toHaveLength(1);
  });

  it("withdraw confirmed: Tab to the button, Enter → the row leaves the list and the daemon", async () => {
    const org = await newOrg();
    await d.client(org.token).createInvite(org.orgID, { email: "erin@example.com", role: "owner" });
    const { r } = await screen(org);
    await press(r, "2");
    await waitForFrame(r, "erin@example.com");
    await press(r, "d");
    await waitForFrame(r, "Withdraw Invitation");
    await press(r, KEYS.tab);
    await waitForFrame(r, "› Withdraw Invitation ‹");
    await press(r, KEYS.enter);
    const f = await waitForFrame(
      r,
      (x) => x.includes("pending: 0/50") && !hasRow(x, "erin@example.com"),
    );
    expect(f).toContain("No open invitations");
    expect(f).toContain("✓ Withdrew the invitation for erin@example.com.");
    expect(await invitesOnDaemon(org)).toHaveLength(0);
  });

  it("remove: d on a member, confirm 'Remove user access' → gone here and on the daemon", async () => {
    const org = await newOrg();
    const frank = await addMember(org, "frank@example.com", "Frank");
    const { r } = await screen(org);
    await waitForFrame(r, "members: 2");
    // Members are sorted by email: frank@ comes before owner@; j/k move between them.
    await press(r, "j");
    expect(selectedLine(r)).toContain("owner@example.com (you)");
    await press(r, "k");
    expect(selectedLine(r)).toContain("frank@example.com");
    await press(r, "d");
    const f = await waitForFrame(r, "Remove user access");
    expect(f).toContain("Remove Frank <frank@example.com> from Flow Org");
    await press(r, KEYS.right, KEYS.enter);
    await waitForFrame(r, (x) => x.includes("members: 1 ·") && !hasRow(x, "frank@example.com"));
    expect(frame(r)).toContain("✓ Removed frank@example.com from the organization.");
    const members = (await d.client(org.token).listMembers(org.orgID)).members;
    expect(members.map((m) => m.userID)).not.toContain(frank.id);
  });

  it("a message dismissed by opening the filter does not come back when the filter closes", async () => {
    const org = await newOrg();
    await d.client(org.token).createInvite(org.orgID, { email: "fay@example.com", role: "owner" });
    const { r } = await screen(org, { messageTtlMs: 60_000 });
    await press(r, "2");
    await waitForFrame(r, "fay@example.com");
    await press(r, "d");
    await waitForFrame(r, "Withdraw Invitation");
    await press(r, KEYS.esc);
    await waitForFrame(r, "Cancelled.");
    await press(r, "/");
    await waitForFrame(r, "filter by email or name");
    await press(r, KEYS.enter);
    await waitForFrame(r, (x) => !x.includes("filter by email or name"));
    await sleep(100);
    expect(frame(r)).not.toContain("Cancelled.");
    // The same with Esc (clears the filter and closes the line), after an error.
    await press(r, "1", "d");
    await waitForFrame(r, errors.cannotRemoveSelf().message.slice(0, 40));
    await press(r, "/");
    await waitForFrame(r, "filter by email or name");
    await press(r, KEYS.esc);
    await waitForFrame(r, (x) => !x.includes("filter by email or name"));
    await sleep(100);
    expect(frame(r)).not.toContain(errors.cannotRemoveSelf().message.slice(0, 40));
  });

  it("success and info messages expire; errors stay until dismissed", async () => {
    const org = await newOrg();
    await d.client(org.token).createInvite(org.orgID, { email: "gil@example.com", role: "owner" });
    const { r } = await screen(org, { messageTtlMs: 400 });
    await press(r, "2");
    await waitForFrame(r, "gil@example.com");
    await press(r, "d");
    await waitForFrame(r, "Withdraw Invitation");
    await press(r, KEYS.enter);
    await waitForFrame(r, "Cancelled.");
    await waitForFrame(r, (x) => !x.includes("Cancelled."));
    const refusal = errors.cannotRemoveSelf().message.slice(0, 40);
    await press(r, "1", "d");
    await waitForFrame(r, refusal);
    await sleep(1000);
    expect(frame(r)).toContain(refusal);
    await press(r, "c");
    await waitForFrame(r, (x) => !x.includes(refusal));
  });

  it("removing yourself is refused with core's message, without a dialog", async () => {
    const org = await newOrg();
    const { r } = await screen(org);
    expect(selectedLine(r)).toContain("owner@example.com (you)");
    await press(r, "d");
    const f = await waitForFrame(r, errors.cannotRemoveSelf().message);
    expect(f).not.toContain("Remove user access");
    expect((await d.client(org.token).listMembers(org.orgID)).members).toHaveLength(1);
  });
});

describe("offline and refusals (a daemon that stops and restarts)", () => {
  let dir: string;
  let port: number;
  let b: InProcessDaemon | undefined;
  let owner: OrgSetup;

  // The daemon allows 2 pending invitations while the TUI checks core's 50:
  // the daemon's refusal is then what the user sees.
  const startB = async () => {
    b = await startInProcessDaemon({
      mail: false,
      dataDir: dir,
      port,
      limits: { pendingLimit: 2 },
    });
    port = Number(new URL(b.url).port);
  };

  beforeAll(async () => {
    dir = tempDir("roster-tui-offline-");
    port = 0;
    await startB();
    owner = await b!.setupOrg({ org: "Offline Org", email: "owner@example.com" });
  });

  afterAll(async () => {
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `limits`: what the TUI believes (default: what the daemon publishes in /health). */
  async function screenB(limits?: Limits) {
    const engine = await openOrgEngine({
      url: b!.url,
      token: owner.token,
      orgID: owner.orgID,
      actorID: owner.userID,
      store: new MemoryActionStore(),
      ...(limits ? { limits } : {}),
    });
    const r = render(<OrgScreen engine={engine} onQuit={() => undefined} />);
    resize(r, 80, 24);
    open.push({ r, engine });
    await waitForFrame(r, "● live");
    return { r, engine };
  }

  it("offline: the header says so, an invite is queued, and replayed once the daemon is back", async () => {
    const { r } = await screenB();
    await b!.close();
    b = undefined;
    await waitForFrame(r, /reconnecting…|offline — 0 queued/);
    await press(r, "i");
    await type(r, "queued@example.com");
    await press(r, KEYS.enter);
    const f = await waitForFrame(r, "offline — 1 queued", 15_000);
    expect(f).toMatch(/›… +queued@example\.com/);
    expect(f).toContain("queued, will be sent when the daemon is back");
    await startB();
    await waitForFrame(
      r,
      (x) => x.includes("● live") && /› +queued@example\.com +pending/.test(x),
      20_000,
    );
    const invites = (await b!.client(owner.token).listInvites(owner.orgID)).invites;
    expect(invites.filter((i) => i.email === "queued@example.com")).toHaveLength(1);
  });

  it("a refusal by the daemon is shown with its message; the row stays until dismissed", async () => {
    const client = b!.client(owner.token);
    const have = (await client.listInvites(owner.orgID)).pending;
    for (let i = have; i < 2; i++)
      await client.createInvite(owner.orgID, { email: `fill${i}@example.com`, role: "owner" });
    // A session whose local copy of the limit is stale (50): the daemon (limit 2) refuses.
    const { r } = await screenB(DEFAULT_LIMITS);
    await waitForFrame(r, "pending: 2/50");
    await press(r, "i");
    await type(r, "third@example.com");
    await press(r, KEYS.enter);
    const f = await waitForFrame(r, "The daemon refused to invite third@example.com");
    expect(f).toContain("already has 2 pending invitations");
    await waitForFrame(r, /✗ +third@example\.com +refused/);
    expect(lines(frame(r)).some((l) => l.startsWith("›✗") && l.includes("third@example.com"))).toBe(
      true,
    );
    expect(frame(r)).toContain("already has 2 pending invitations");
    await press(r, "c");
    await waitForFrame(r, (x) => !x.includes("third@example.com"));
    expect((await client.listInvites(owner.orgID)).invites.map((i) => i.email)).not.toContain(
      "third@example.com",
    );
  });
  it("checks the limit the daemon publishes before sending anything", async () => {
    const client = b!.client(owner.token);
    const have = (await client.listInvites(owner.orgID)).pending;
    for (let i = have; i < 2; i++)
      await client.createInvite(owner.orgID, { email: `full${i}@example.com`, role: "owner" });
    const { r } = await screenB();
    await waitForFrame(r, "pending: 2/2");
    await press(r, "i");
    await type(r, "local@example.com");
    await press(r, KEYS.enter);
    await waitForFrame(r, "already has 2 pending invitations");
    expect(frame(r)).not.toContain("The daemon refused");
    expect((await client.listInvites(owner.orgID)).invites.map((i) => i.email)).not.toContain(
      "local@example.com",
    );
  });
});

describe("delivery state and lost access", () => {
  let c: InProcessDaemon;
  let org: OrgSetup;

  beforeAll(async () => {
    // SMTP on a port where nothing listens: every send fails, twice, then the delivery is `failed`.
    const closed = await freePort();
    c = await startInProcessDaemon({
      smtpUrl: `smtp://127.0.0.1:${closed}`,
      mail: { mailMaxAttempts: 2, mailBackoffBaseMs: 20, mailBackoffCapMs: 50, mailPollMs: 20 },
    });
    org = await c.setupOrg({ org: "Mail Org", email: "owner@example.com" });
  });

  afterAll(async () => {
    await c.close();
  });

  async function screenAs(who: { token: string; userID: string }) {
    const engine = await openOrgEngine({
      url: c.url,
      token: who.token,
      orgID: org.orgID,
      actorID: who.userID,
      store: new MemoryActionStore(),
    });
    const r = render(<OrgScreen engine={engine} onQuit={() => undefined} />);
    resize(r, 80, 24);
    open.push({ r, engine });
    await waitForFrame(r, "● live");
    return r;
  }

  it("a failed email delivery shows as failed, with the error, live", async () => {
    const r = await screenAs(org);
    await press(r, "i");
    await type(r, "nomail@example.com");
    await press(r, KEYS.enter);
    const f = await waitForFrame(
      r,
      (x) => /› +nomail@example\.com +pending .* 1× +failed/.test(x),
      20_000,
    );
    // The detail line leads with the delivery problem, the daemon's error included.
    expect(flat(f)).toMatch(
      /nomail@example\.com · email failed after \d+ attempts? · last error: .*ECONNREFUSED/,
    );
  });

  it("a member removed by someone else is told at once; their screen says they have no access", async () => {
    const client = c.client(org.token);
    const inv = await client.createInvite(org.orgID, { email: "gone@example.com", role: "owner" });
    // Read the activation token before the (failing) mail worker's retries are over: it stays in the outbox.
    const token = await c.activationToken(inv.id);
    const accepted = await c.client().acceptInvite({ token, name: "Gone" });
    const r = await screenAs({ token: accepted.token!, userID: accepted.user.id });
    await waitForFrame(r, "members: 2");
    await client.removeMember(org.orgID, accepted.user.id);
    const f = await waitForFrame(r, "✗ no access");
    // The lists are cleared (they are no longer this user's to see) and a banner says why.
    expect(unboxed(f)).toContain(
      "✗ No access to Mail Org You were removed from this organization. Its lists are no longer shown",
    );
    expect(lines(f)[0]).toMatch(/members: \? · pending: \?\/50 +✗ no access$/);
    for (const email of ["owner@example.com", "gone@example.com"]) expect(f).not.toContain(email);
    expect(f).not.toContain("Members (");
  });
});

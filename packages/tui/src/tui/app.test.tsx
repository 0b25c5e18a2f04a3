/**
 * The whole app (boot, org picker, org switcher, start-up errors, a restart
 * while the daemon is down) with the real services — config callbacks,
 * session cache, file-backed queue and saved lists, core's SyncEngine —
 * against a real daemon in this process.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "roster-workspace/test/support/smtp-sink.ts";
import {
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "roster-workspace/test/support/daemon.ts";
import { App } from "./components/app.tsx";
import { unsentNote } from "./messages.ts";
import type { AppResult } from "./ports.ts";
import { snapshotFilePath } from "./file-snapshot-store.ts";
import { createServices } from "./services.ts";
import {
  flat,
  KEYS,
  lines,
  press,
  resize,
  type,
  unboxed,
  waitForFrame,
  waitUntil,
  type Rendered,
} from "./testing/ink-harness.ts";

let d: InProcessDaemon;
let alpha: OrgSetup;
let beta: OrgSetup;
let dataDir: string;
let r: Rendered | undefined;

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false });
  alpha = await d.setupOrg({ org: "Alpha", email: "owner@example.com", name: "Olive" });
  beta = await d.setupOrg({ org: "Beta" });
  dataDir = mkdtempSync(join(tmpdir(), "roster-app-"));
});

afterEach(() => {
  r?.unmount();
  r = undefined;
});

afterAll(async () => {
  await d.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function mount(opts: {
  url?: string;
  token?: string;
  org?: string;
  dataDir?: string;
  /** Holds the org screen back (keys typed meanwhile are typed while booting). */
  gate?: Promise<void>;
}) {
  const saved: { url: string; token: string; org: string }[] = [];
  const done: AppResult[] = [];
  const services = createServices({
    url: opts.url ?? d.url,
    token: opts.token,
    org: opts.org,
    dataDir: opts.dataDir ?? dataDir,
    canStartDaemon: false,
    saveConfig: async (patch) => {
      saved.push(patch);
    },
  });
  const gate = opts.gate;
  if (gate) {
    const createEngine = services.createEngine;
    services.createEngine = async (o) => {
      await gate;
      return createEngine(o);
    };
  }
  r = render(<App services={services} onDone={(x) => done.push(x)} />);
  resize(r, 80, 24);
  return { r, saved, done };
}

describe("App", () => {
  it("asks which org to open when the user belongs to several, then switches with o", async () => {
    const { r, saved } = mount({ token: alpha.token });
    await waitForFrame(r, "owner@example.com belongs to 2 organizations");
    await waitForFrame(r, "› Alpha");
    await press(r, "j");
    await waitForFrame(r, "› Beta");
    await press(r, KEYS.enter);
    await waitForFrame(r, /Roster · Beta .*● live/);
    expect(saved.at(-1)).toEqual({ url: d.url, token: alpha.token, org: beta.orgID });

    await press(r, "o");
    await waitForFrame(r, "Switch organization");
    await waitForFrame(r, "› Beta  (current)");
    await press(r, "k", KEYS.enter);
    await waitForFrame(r, /Roster · Alpha .*● live/);
    expect(saved.at(-1)?.org).toBe(alpha.orgID);
  });

  it("a key typed just as the org screen appears is not lost", async () => {
    let typed = false;
    const services = createServices({
      url: d.url,
      token: alpha.token,
      org: beta.orgID,
      dataDir,
      canStartDaemon: false,
      saveConfig: async () => undefined,
    });
    const createEngine = services.createEngine;
    services.createEngine = async (o) => {
      const engine = await createEngine(o);
      // Queued now, this runs after the app shows the org screen and before the
      // screen's own input effect has run: the key reaches the app, not the screen.
      setImmediate(() => {
        r!.stdin.write("2");
        typed = true;
      });
      return engine;
    };
    r = render(<App services={services} onDone={() => undefined} />);
    resize(r, 80, 24);
    await waitUntil(() => typed);
    await waitForFrame(r, /Roster · Beta .*● live/);
    await waitForFrame(r, "[2 Invitations");
  });

  it("starting a daemon on an empty data directory says its first start takes a few seconds", async () => {
    const empty = mkdtempSync(join(tmpdir(), "roster-app-new-"));
    try {
      const url = `http://127.0.0.1:${await freePort()}`;
      for (const hasDatabase of [false, true]) {
        // What PGlite leaves in a data directory it has created.
        if (hasDatabase) {
          mkdirSync(join(empty, "pgdata"), { recursive: true });
          writeFileSync(join(empty, "pgdata", "PG_VERSION"), "17\n");
        }
        const services = createServices({
          url,
          token: undefined,
          org: undefined,
          dataDir: empty,
          canStartDaemon: true,
          saveConfig: async () => undefined,
        });
        // The boot message is what is tested: no daemon is started (it would never answer).
        services.startDaemon = () => new Promise(() => undefined);
        r = render(<App services={services} onDone={() => undefined} />);
        resize(r, 80, 24);
        const f = await waitForFrame(r, `No daemon answers at ${url}`);
        if (hasDatabase) expect(flat(f)).not.toContain("first start");
        else
          expect(flat(f)).toContain(
            "Its first start creates its database, which takes a few seconds.",
          );
        r.unmount();
        r = undefined;
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("opens the configured org directly (by id or by name)", async () => {
    const { r } = mount({ token: alpha.token, org: "beta" });
    await waitForFrame(r, /Roster · Beta .*● live/);
  });

  it("an org asked for that is not the user's: the picker says so, naming it", async () => {
    const { r, saved } = mount({ token: alpha.token, org: "nope" });
    const f = await waitForFrame(r, "› Alpha");
    expect(f).toContain('✗ You are not a member of an organization "nope". Pick one of yours:');
    expect(f).toContain("owner@example.com belongs to 2 organizations.");
    for (const l of lines(f)) expect(l.length).toBeLessThanOrEqual(80);
    await press(r, "j", KEYS.enter);
    await waitForFrame(r, /Roster · Beta .*● live/);
    expect(saved.at(-1)?.org).toBe(beta.orgID);
  });

  it("a token the daemon does not accept ends with a clear message and exit code 1", async () => {
    const { r, done } = mount({ token: "not-a-real-token", org: alpha.orgID });
    await waitForFrame(r, "does not accept this computer's API token");
    await press(r, KEYS.enter);
    await waitUntil(() => done.length > 0);
    expect(done[0]!.code).toBe(1);
  });

  it("no daemon and nothing cached: says which URL it tried, exit code 3", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { r, done } = mount({ url, token: "whatever" });
    await waitForFrame(r, `Cannot reach the Roster daemon at ${url}.`);
    await press(r, "q");
    await waitUntil(() => done.length > 0);
    expect(done[0]!.code).toBe(3);
  });
});

describe("App: restarted while the daemon is down", () => {
  let daemonDir: string;
  let tuiDir: string;
  let port = 0;
  let b: InProcessDaemon | undefined;
  let org: OrgSetup;
  const startB = async () => {
    b = await startInProcessDaemon({ mail: false, dataDir: daemonDir, port });
    port = Number(new URL(b.url).port);
  };

  beforeAll(async () => {
    daemonDir = mkdtempSync(join(tmpdir(), "roster-app-daemon-"));
    tuiDir = mkdtempSync(join(tmpdir(), "roster-app-tui-"));
    await startB();
    org = await b!.setupOrg({ org: "Cached Org", email: "owner@example.com" });
    await b!.client(org.token).createInvite(org.orgID, { email: "before@example.com" });
    // A second org of the same owner, for the switcher.
    await b!.client(org.token).createOrg("Second Org");
  });

  afterAll(async () => {
    await b?.close();
    rmSync(daemonDir, { recursive: true, force: true });
    rmSync(tuiDir, { recursive: true, force: true });
  });

  it("shows the saved lists, queues what was typed while starting, and replays it once", async () => {
    const url = b!.url;
    const first = mount({ url, token: org.token, org: org.orgID, dataDir: tuiDir });
    await waitForFrame(first.r, /members: 1 · pending: 1\/50 +● live/, 15_000);
    await press(first.r, "q");
    await waitUntil(() => first.done.length > 0);
    first.r.unmount();
    r = undefined;
    // Saved on quit: private to the user, and without the token.
    const file = snapshotFilePath(tuiDir, url, org.orgID);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("before@example.com");
    expect(text).not.toContain(org.token);

    await b!.close();
    b = undefined;

    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const second = mount({ url, token: org.token, org: org.orgID, dataDir: tuiDir, gate });
    await waitForFrame(second.r, "Opening Cached Org…", 15_000);
    // Typed before the org screen is up: the Invitations list, an invitation, Enter.
    second.r.stdin.write("2i");
    await type(second.r, "ahead@example.com");
    await press(second.r, KEYS.enter);
    open();
    const f = await waitForFrame(
      second.r,
      (x) => /offline — 1 queued · \d+s old/.test(x) && x.includes("ahead@example.com"),
      15_000,
    );
    expect(lines(f)[0]).toMatch(/^Roster · Cached Org +members: 1 · pending: 2\/50 +offline/);
    expect(f).toMatch(/ +before@example\.com +pending/);
    expect(f).toMatch(/…  +ahead@example\.com|›… +ahead@example\.com/);
    expect(f).not.toContain("Not loaded");

    await startB();
    await waitForFrame(
      second.r,
      (x) => x.includes("● live") && / +ahead@example\.com +pending/.test(x) && !/… +ahead/.test(x),
      30_000,
    );
    const invites = (await b!.client(org.token).listInvites(org.orgID, "all")).invites;
    expect(invites.filter((i) => i.email === "ahead@example.com")).toHaveLength(1);
  });

  it("q with an action still queued asks first (Stay is the default); quitting leaves a note", async () => {
    const m = mount({ url: b!.url, token: org.token, org: org.orgID, dataDir: tuiDir });
    await waitForFrame(m.r, "● live", 15_000);
    await b!.close();
    b = undefined;
    await waitForFrame(m.r, /reconnecting…|offline — 0 queued/, 15_000);
    await press(m.r, "2", "i");
    await type(m.r, "late@example.com");
    await press(m.r, KEYS.enter);
    await waitForFrame(m.r, /…  +late@example\.com|›… +late@example\.com/);

    await press(m.r, "q");
    const f = await waitForFrame(m.r, "Quit Roster?");
    expect(unboxed(f)).toContain(
      "1 action is not sent yet. It stays queued and is sent the next time Roster opens Cached Org and reaches the daemon.",
    );
    expect(f).toContain("› Stay ‹");
    // Enter presses the default: stay.
    await press(m.r, KEYS.enter);
    await waitForFrame(m.r, (x) => !x.includes("Quit Roster?") && x.includes("late@example.com"));
    expect(m.done).toEqual([]);

    await press(m.r, "q");
    await waitForFrame(m.r, "Quit Roster?");
    await press(m.r, KEYS.tab);
    await waitForFrame(m.r, "› Quit anyway ‹");
    await press(m.r, KEYS.enter);
    await waitUntil(() => m.done.length > 0);
    expect(m.done[0]).toEqual({ code: 0, message: unsentNote(1, "Cached Org") });
    expect(m.done[0]!.message).toBe(
      "Roster: 1 action not sent yet. It is sent when you open Cached Org again.",
    );
  });

  it("o to another org with an action still queued asks first; switching keeps it queued", async () => {
    if (!b) await startB();
    const m = mount({ url: b!.url, token: org.token, org: org.orgID, dataDir: tuiDir });
    await waitForFrame(m.r, /Roster · Cached Org .*● live/, 15_000);
    await b!.close();
    b = undefined;
    await waitForFrame(m.r, /reconnecting…|offline — \d+ queued/, 15_000);
    await press(m.r, "2", "i");
    await type(m.r, "switch@example.com");
    await press(m.r, KEYS.enter);
    await waitForFrame(m.r, /…  +switch@example\.com|›… +switch@example\.com/);

    // The switcher lists the orgs saved from the last time the daemon answered.
    await press(m.r, "o");
    await waitForFrame(m.r, "Switch organization");
    await waitForFrame(m.r, "› Cached Org  (current)");
    await press(m.r, "j", KEYS.enter);
    const f = await waitForFrame(m.r, "Open Second Org?");
    expect(unboxed(f)).toMatch(/actions? (is|are) not sent yet\. (It stays|They stay) queued/);
    expect(f).toContain("› Stay ‹");
    await press(m.r, KEYS.enter);
    await waitForFrame(
      m.r,
      (x) => !x.includes("Open Second Org?") && /Roster · Cached Org/.test(x),
    );

    await press(m.r, "o");
    await waitForFrame(m.r, "› Cached Org  (current)");
    await press(m.r, "j", KEYS.enter);
    await waitForFrame(m.r, "Open Second Org?");
    await press(m.r, KEYS.tab);
    await waitForFrame(m.r, "› Switch anyway ‹");
    await press(m.r, KEYS.enter);
    await waitForFrame(m.r, /Roster · Second Org/, 15_000);
    expect(m.done).toEqual([]);

    m.r.unmount();
    // Back on Cached Org with the daemon up: the queued invitation goes out, once.
    await startB();
    const back = mount({ url: b!.url, token: org.token, org: org.orgID, dataDir: tuiDir });
    await waitForFrame(back.r, /Roster · Cached Org/, 15_000);
    await press(back.r, "2");
    await waitForFrame(
      back.r,
      (x) => x.includes("● live") && / +switch@example\.com +pending/.test(x),
      30_000,
    );
    const invites = (await b!.client(org.token).listInvites(org.orgID, "all")).invites;
    expect(invites.filter((i) => i.email === "switch@example.com")).toHaveLength(1);
  }, 60_000);
});

/**
 * The whole app (boot, org picker, org switcher, start-up errors) with the
 * real services — config callbacks, session cache, file-backed queue, core's
 * SyncEngine — against a real daemon in this process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../../test/support/smtp-sink.ts";
import {
  startInProcessDaemon,
  type InProcessDaemon,
  type OrgSetup,
} from "../../../../test/support/daemon.ts";
import { App, type AppResult } from "./components/app.tsx";
import { createServices } from "./services.ts";
import {
  KEYS,
  press,
  resize,
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

function mount(opts: { url?: string; token?: string; org?: string }) {
  const saved: { url: string; token: string; org: string }[] = [];
  const done: AppResult[] = [];
  const services = createServices({
    url: opts.url ?? d.url,
    token: opts.token,
    org: opts.org,
    dataDir,
    canStartDaemon: false,
    saveConfig: async (patch) => {
      saved.push(patch);
    },
  });
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

  it("opens the configured org directly (by id or by name)", async () => {
    const { r } = mount({ token: alpha.token, org: "beta" });
    await waitForFrame(r, /Roster · Beta .*● live/);
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

/**
 * `roster` on a machine where nothing is set up: in a real pseudo-terminal
 * it starts a daemon of its own (detached, log in the data directory), walks
 * through first-run setup, stores the token and opens the org. Also: NO_COLOR
 * is honoured, and without a terminal on stdin the TUI refuses with exit 2.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, seedDataDir, tempDir } from "./support/daemon.ts";
import { freePort } from "./support/smtp-sink.ts";
import {
  cleanEnv,
  KEY,
  ROSTER_BIN,
  startTui,
  tuiHome,
  type TuiHome,
  type TuiSession,
} from "./support/tui-pty.ts";

/** Any Select Graphic Rendition escape (colour, bold, dim, inverse…). */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);
const FOREGROUND_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[3[0-9]m`);

let home: TuiHome;
let port: number;
let dataDir: string;
const sessions: TuiSession[] = [];

/** The daemon the TUI started: its pid from the data-directory lock. */
function daemonPid(): number | undefined {
  const lock = join(dataDir, "daemon.lock");
  if (!existsSync(lock)) return undefined;
  return (JSON.parse(readFileSync(lock, "utf8")) as { pid: number }).pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  home = tuiHome(tempDir("roster-first-run-"));
  port = await freePort();
  dataDir = join(home.env.XDG_DATA_HOME!, "roster");
  // A migrated empty database, as the daemon would create (saves the seconds of initdb).
  await seedDataDir(dataDir);
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  const pid = daemonPid();
  if (pid !== undefined && alive(pid)) {
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(home.dir, { recursive: true, force: true });
});

describe("first run", () => {
  it("starts a daemon, walks through setup, saves the token and opens the org", async () => {
    const tui = startTui({ env: cleanEnv({ ...home.env, ROSTER_PORT: String(port) }) });
    sessions.push(tui);
    const starting = await tui.waitFor(`No daemon answers at http://127.0.0.1:${port}`, 30_000);
    // The data directory holds a database already (seeded): no "first start" note.
    expect(starting).not.toContain("creates its database");
    let s = await tui.waitFor("Welcome to Roster", 90_000);
    expect(s).toContain(`Nothing is set up on the daemon at http://127.0.0.1:${port} yet.`);
    expect(s).toMatch(/› Organization name/);

    // Enter checks the field it is on: an empty org name stays there, with the message,
    // until the field changes.
    tui.write(KEY.enter);
    s = await tui.waitFor("Give your organization a name.");
    expect(s).toMatch(/› Organization name/);
    await tui.type("First Org");
    await tui.waitFor((x) => !x.includes("Give your organization a name."));
    tui.write(KEY.enter);
    await tui.waitFor(/› Your email/);
    // An invalid email is refused with core's message, on its field.
    await tui.type("not-an-email");
    tui.write(KEY.enter);
    s = await tui.waitFor('"not-an-email" is not a valid email address.');
    expect(s).toMatch(/› Your email/);
    // Moving to another field takes the message with it.
    tui.write(KEY.tab);
    await tui.waitFor((x) => /› Your name/.test(x) && !x.includes("is not a valid email address"));
    tui.write(KEY.up);
    await tui.waitFor(/› Your email/);
    for (let i = 0; i < "not-an-email".length; i++) tui.write("\u007f");
    await tui.type("founder@example.com");
    tui.write(KEY.enter);
    await tui.waitFor(/› Your name/);
    await tui.type("Fay Founder");
    tui.write(KEY.enter);

    s = await tui.waitFor("● live", 30_000);
    expect(tui.screen()[0]).toMatch(/^Roster · First Org +members: 1 · pending: 0\/50 +● live$/);
    expect(s).toMatch(/› +founder@example\.com \(you\) +Fay Founder +owner/);

    const config = JSON.parse(
      readFileSync(join(home.env.XDG_CONFIG_HOME!, "roster", "config.json"), "utf8"),
    ) as {
      url: string;
      token: string;
      org: string;
    };
    expect(config.url).toBe(`http://127.0.0.1:${port}`);
    expect(config.token.length).toBeGreaterThan(20);
    expect(config.org).toMatch(/\S/);
    // The daemon logs to the data directory and outlives the TUI.
    expect(readFileSync(join(dataDir, "daemon.log"), "utf8")).toContain("listening");

    tui.write("q");
    expect(await tui.exited).toBe(0);
    const pid = daemonPid();
    expect(pid !== undefined && alive(pid)).toBe(true);
  });

  it("honours NO_COLOR (no colour escapes at all), and uses colour without it", async () => {
    const plain = startTui({
      env: cleanEnv({ ...home.env, ROSTER_PORT: String(port), NO_COLOR: "1" }),
    });
    sessions.push(plain);
    await plain.waitFor("● live", 30_000);
    await plain.waitFor(/›/);
    expect(plain.raw()).not.toMatch(SGR);
    // A resize re-lays the screen out for the new size.
    plain.resize(60, 16);
    const small = await plain.waitFor(
      (x) =>
        /^Roster · First Org .*members: 1 · pending: 0\/50 +● live$/.test(x.split("\n")[0]!) &&
        x.includes("? help"),
    );
    for (const l of small.split("\n")) expect(l.length).toBeLessThanOrEqual(60);
    expect(small.split("\n")[0]).toMatch(/● live$/);
    plain.write("q");
    expect(await plain.exited).toBe(0);

    const colour = startTui({
      env: cleanEnv({ ...home.env, ROSTER_PORT: String(port), FORCE_COLOR: "1" }),
    });
    sessions.push(colour);
    await colour.waitFor("● live", 30_000);
    expect(colour.raw()).toMatch(FOREGROUND_COLOUR);
    colour.write(KEY.ctrlC);
    expect(await colour.exited).toBe(0);
  });

  it("without a terminal on stdin it says so and exits with 2", async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const child = spawn(process.execPath, ["--import", tsx, ROSTER_BIN], {
      cwd: REPO_ROOT,
      env: cleanEnv({ ...home.env, ROSTER_PORT: String(port) }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toContain("needs an interactive terminal");
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });
});

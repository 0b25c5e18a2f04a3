/**
 * The real `roster` TUI in a real pseudo-terminal (@lydell/node-pty: node-pty with prebuilt binaries), its output
 * interpreted by a headless xterm (@xterm/headless) so tests read the screen
 * a person would see, and type keys into it.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pty from "@lydell/node-pty";
import xterm from "@xterm/headless";
import {
  REPO_ROOT,
  startTestDaemon,
  tempDir,
  type OrgSetup,
  type StartTestDaemonOptions,
  type TestDaemon,
} from "./daemon.ts";
import { rosterCommand } from "./roster-bin.ts";

const { Terminal } = xterm;
export { ROSTER_SOURCE_BIN as ROSTER_BIN } from "./roster-bin.ts";

export const KEY = {
  enter: "\r",
  esc: "\u001b",
  tab: "\t",
  up: "\u001b[A",
  down: "\u001b[B",
  ctrlC: "\u0003",
} as const;

export interface TuiHome {
  /** XDG_CONFIG_HOME / XDG_DATA_HOME live under it. */
  dir: string;
  env: Record<string, string>;
}

/** An XDG home for one user of the TUI; with `config`, the config file `roster setup` would write. */
export function tuiHome(
  dir: string,
  config?: { url: string; token: string; org: string },
): TuiHome {
  const configHome = join(dir, "config");
  const dataHome = join(dir, "data");
  mkdirSync(join(configHome, "roster"), { recursive: true, mode: 0o700 });
  mkdirSync(dataHome, { recursive: true, mode: 0o700 });
  if (config) {
    writeFileSync(join(configHome, "roster", "config.json"), JSON.stringify(config), {
      mode: 0o600,
    });
  }
  return { dir, env: { XDG_CONFIG_HOME: configHome, XDG_DATA_HOME: dataHome } };
}

/** This process's environment without ROSTER_* settings and CI markers (Ink draws nothing live under CI). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith("ROSTER_") || k === "CI" || k === "CONTINUOUS_INTEGRATION")
      continue;
    if (k === "NO_COLOR" || k === "FORCE_COLOR") continue;
    env[k] = v;
  }
  return { ...env, TERM: "xterm-256color", ...extra };
}

export interface TuiSession {
  /** The screen as text, one string per row, trailing spaces removed. */
  screen(): string[];
  text(): string;
  /** Everything the program wrote, escape sequences included. */
  raw(): string;
  write(keys: string): void;
  /** Type text one key at a time, as a person would. */
  type(text: string, delayMs?: number): Promise<void>;
  waitFor(
    check: string | RegExp | ((screen: string) => boolean),
    timeoutMs?: number,
  ): Promise<string>;
  readonly exited: Promise<number>;
  readonly pid: number;
  /** Resize the terminal (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void;
  kill(): void;
}

export function startTui(opts: {
  env: Record<string, string>;
  args?: string[];
  cols?: number;
  rows?: number;
  /** Another `roster` executable (an installed one) instead of the checkout's (support/roster-bin.ts), and its cwd. */
  executable?: { file: string; cwd: string };
}): TuiSession {
  const cols = opts.cols ?? 80;
  const rows = opts.rows ?? 24;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  let raw = "";
  const [file, args] = opts.executable
    ? [opts.executable.file, opts.args ?? []]
    : rosterCommand(opts.args);
  const p = pty.spawn(file, args, {
    name: "xterm-256color",
    cols,
    rows,
    cwd: opts.executable?.cwd ?? REPO_ROOT,
    env: opts.env,
  });
  p.onData((d) => {
    raw += d;
    term.write(d);
  });
  let done = false;
  const exited = new Promise<number>((resolve) => {
    p.onExit(({ exitCode }) => {
      done = true;
      resolve(exitCode);
    });
  });
  let currentRows = rows;
  const screen = () => {
    const buf = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < currentRows; i++)
      out.push(buf.getLine(buf.viewportY + i)?.translateToString(true) ?? "");
    return out;
  };
  const text = () => screen().join("\n");
  const session: TuiSession = {
    screen,
    text,
    raw: () => raw,
    write: (keys) => p.write(keys),
    async type(s, delayMs = 15) {
      for (const ch of s) {
        p.write(ch);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    },
    async waitFor(check, timeoutMs = 10_000) {
      const test =
        typeof check === "string"
          ? (s: string) => s.includes(check)
          : check instanceof RegExp
            ? (s: string) => check.test(s)
            : check;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = text();
        if (test(s)) return s;
        if (Date.now() > deadline || done) {
          throw new Error(
            `Timed out waiting for ${String(check)}${done ? " (the TUI exited)" : ""}; screen:\n${s}`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exited,
    pid: p.pid,
    resize(c, r) {
      currentRows = r;
      term.resize(c, r);
      p.resize(c, r);
    },
    kill: () => {
      if (!done) p.kill("SIGKILL");
    },
  };
  return session;
}

/** A real daemon, an org with its owner, and an XDG home whose config is the owner's. */
export interface TuiFixture {
  daemon: TestDaemon;
  owner: OrgSetup;
  home: TuiHome;
  /** `roster` as the owner in a new pseudo-terminal (ROSTER_URL set: it never starts a daemon of its own). */
  open(): TuiSession;
  /** Kill every session opened, stop the daemon, remove the home. */
  cleanup(): Promise<void>;
}

export async function startTuiFixture(opts: {
  org: string;
  homePrefix: string;
  daemon?: StartTestDaemonOptions;
}): Promise<TuiFixture> {
  const daemon = await startTestDaemon(opts.daemon);
  try {
    const owner = await daemon.setupOrg({
      org: opts.org,
      email: "owner@example.com",
      name: "Olive",
    });
    const home = tuiHome(tempDir(opts.homePrefix), {
      url: daemon.url,
      token: owner.token,
      org: owner.orgID,
    });
    const sessions: TuiSession[] = [];
    return {
      daemon,
      owner,
      home,
      open: () => {
        const s = startTui({ env: cleanEnv({ ...home.env, ROSTER_URL: daemon.url }) });
        sessions.push(s);
        return s;
      },
      cleanup: async () => {
        for (const s of sessions) s.kill();
        await daemon.cleanup();
        rmSync(home.dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await daemon.cleanup();
    throw err;
  }
}

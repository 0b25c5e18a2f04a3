/**
 * Helpers for the CLI end-to-end tests: run the real `roster` executable
 * (the checkout's build, or its sources through tsx when the build is out of
 * date: support/roster-bin.ts; or `pnpm roster`) with its own config
 * directory, and find the activation link in the file transport's `.eml` files.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rosterCommand } from "./support/roster-bin.ts";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** XDG_CONFIG_HOME for this run (each simulated machine has its own). */
  configHome: string;
  env?: Record<string, string | undefined>;
  /** Run through `pnpm --silent roster` instead of node directly. */
  pnpm?: boolean;
  timeoutMs?: number;
}

/** A clean environment: nothing from the developer's own Roster set-up leaks in. */
function baseEnv(configHome: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("ROSTER_") && !k.startsWith("XDG_")) env[k] = v;
  }
  return {
    ...env,
    XDG_CONFIG_HOME: configHome,
    XDG_DATA_HOME: join(configHome, "data"),
    NO_COLOR: "1",
  };
}

export function roster(args: string[], opts: RunOptions): Promise<RunResult> {
  const env: Record<string, string> = baseEnv(opts.configHome);
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const [cmd, argv] = opts.pnpm ? ["pnpm", ["--silent", "roster", ...args]] : rosterCommand(args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export async function tempDir(
  prefix: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Undo quoted-printable soft line breaks and escapes. */
function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Every activation link in one message, whatever the transfer encoding of its parts. */
function linksIn(eml: string): string[] {
  const texts = [decodeQuotedPrintable(eml)];
  for (const block of eml.match(/(?:^[A-Za-z0-9+/=]{20,}\r?\n)+/gm) ?? []) {
    texts.push(Buffer.from(block.replace(/\s+/g, ""), "base64").toString("utf8"));
  }
  const links = new Set<string>();
  for (const t of texts)
    for (const m of t.matchAll(/https?:\/\/[^\s"'<>]+\/activate\/[A-Za-z0-9_%-]+/g))
      links.add(m[0]);
  return [...links];
}

/**
 * The activation links mailed to `email` (oldest first), waiting up to
 * `timeoutMs` until there are at least `count` of them.
 */
export async function mailedLinks(
  dataDir: string,
  email: string,
  count = 1,
  timeoutMs = 15_000,
): Promise<string[]> {
  const dir = join(dataDir, "mail");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found: string[] = [];
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith(".eml")).sort();
    } catch {
      names = [];
    }
    for (const name of names) {
      const eml = await readFile(join(dir, name), "utf8");
      const to = /^To:\s*(.+)$/im.exec(eml)?.[1] ?? "";
      if (to.toLowerCase().includes(email.toLowerCase())) found.push(...linksIn(eml));
    }
    if (found.length >= count) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `expected ${count} activation link(s) for ${email} in ${dir}, found ${found.length}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

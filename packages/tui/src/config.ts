/**
 * Where Roster keeps its files (XDG base directories) and the client
 * configuration: daemon URL, API token and default org.
 *
 * Precedence, lowest to highest: built-in default → config file → environment
 * (ROSTER_URL, ROSTER_TOKEN, ROSTER_ORG) → command-line flags (applied by the
 * caller). ROSTER_PORT only changes the default URL.
 */
import { chmod, mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { writePrivateFile } from "./private-file.ts";

export const DEFAULT_PORT = 8086;
export const DEFAULT_HOST = "127.0.0.1";

type Env = Record<string, string | undefined>;

/** The config file as stored. Unknown keys are kept, so older versions do not drop newer settings. */
export const ConfigFileSchema = z.looseObject({
  url: z.url({ protocol: /^https?$/ }).optional(),
  token: z.string().min(1).optional(),
  org: z.string().min(1).optional(),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The effective configuration. */
export interface RosterConfig {
  /** Daemon base URL, never with a trailing slash. */
  url: string;
  token: string | undefined;
  /** Default org: an id or a name. */
  org: string | undefined;
}

/** Where each effective value came from (for messages such as "no token: run roster setup"). */
export interface LoadedConfig extends RosterConfig {
  path: string;
  sources: { url: Source; token: Source | undefined; org: Source | undefined };
}
export type Source = "default" | "file" | "env" | "flag";

/** The config file is unreadable or invalid. The message names the file. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const nonEmpty = (v: string | undefined): string | undefined =>
  v === undefined || v.trim() === "" ? undefined : v.trim();

/** `$XDG_CONFIG_HOME/roster`, else `~/.config/roster`. */
export function configDir(env: Env = process.env): string {
  const xdg = nonEmpty(env.XDG_CONFIG_HOME);
  return join(xdg ?? join(homedir(), ".config"), "roster");
}

/** `<configDir>/config.json`. */
export function configPath(env: Env = process.env): string {
  return join(configDir(env), "config.json");
}

/** `$ROSTER_DATA_DIR`, else `$XDG_DATA_HOME/roster`, else `~/.local/share/roster`. */
export function dataDir(env: Env = process.env): string {
  const explicit = nonEmpty(env.ROSTER_DATA_DIR);
  if (explicit) return explicit;
  const xdg = nonEmpty(env.XDG_DATA_HOME);
  return join(xdg ?? join(homedir(), ".local", "share"), "roster");
}

/** `http://127.0.0.1:<ROSTER_PORT or 8086>`. */
export function defaultUrl(env: Env = process.env): string {
  const port = nonEmpty(env.ROSTER_PORT);
  const n = port === undefined ? DEFAULT_PORT : Number(port);
  const valid = Number.isInteger(n) && n > 0 && n < 65536;
  return `http://${DEFAULT_HOST}:${valid ? n : DEFAULT_PORT}`;
}

export function normalizeUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

/** The config file's contents; `{}` when it does not exist. Throws ConfigError when it is corrupt. */
export async function readConfigFile(path: string = configPath()): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(path, `Cannot read the config file ${path}: ${(e as Error).message}`);
  }
  if (text.trim() === "") return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      path,
      `The config file ${path} is not valid JSON (${(e as Error).message}). Fix it, or delete it and run \`roster setup\` again.`,
    );
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
      .join("; ");
    throw new ConfigError(
      path,
      `The config file ${path} is invalid (${detail}). Fix it, or delete it and run \`roster setup\` again.`,
    );
  }
  return parsed.data;
}

export interface LoadOptions {
  env?: Env;
  /** Defaults to configPath(env). */
  path?: string;
}

/** The effective configuration: file, then environment overrides. Throws ConfigError for a corrupt file. */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const path = opts.path ?? configPath(env);
  const file = await readConfigFile(path);
  const envUrl = nonEmpty(env.ROSTER_URL);
  const envToken = nonEmpty(env.ROSTER_TOKEN);
  const envOrg = nonEmpty(env.ROSTER_ORG);
  const pick = (fromEnv: string | undefined, fromFile: string | undefined) =>
    fromEnv !== undefined
      ? { value: fromEnv, source: "env" as const }
      : fromFile !== undefined
        ? { value: fromFile, source: "file" as const }
        : undefined;
  const url = pick(envUrl, file.url) ?? { value: defaultUrl(env), source: "default" as const };
  const token = pick(envToken, file.token);
  const org = pick(envOrg, file.org);
  return {
    url: normalizeUrl(url.value),
    token: token?.value,
    org: org?.value,
    path,
    sources: { url: url.source, token: token?.source, org: org?.source },
  };
}

export interface SaveOptions {
  env?: Env;
  path?: string;
}

/**
 * Write the config file atomically (temporary file, fsync, rename) with mode
 * 0600 in a 0700 directory. Writes exactly `config`; use updateConfig to
 * change some keys.
 */
export async function saveConfig(config: ConfigFile, opts: SaveOptions = {}): Promise<string> {
  const path = opts.path ?? configPath(opts.env ?? process.env);
  const checked = ConfigFileSchema.parse(config);
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // An existing directory (made by hand, or by an older version) is made private too.
  await chmod(dir, 0o700);
  await writePrivateFile(path, `${JSON.stringify(checked, null, 2)}\n`);
  return path;
}

/** Read the file, apply `patch` (undefined values delete keys), write it back. Returns the path. */
export async function updateConfig(
  patch: { url?: string | undefined; token?: string | undefined; org?: string | undefined },
  opts: SaveOptions = {},
): Promise<string> {
  const path = opts.path ?? configPath(opts.env ?? process.env);
  const current = await readConfigFile(path);
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete next[k];
    else next[k] = k === "url" ? normalizeUrl(v) : v;
  }
  return saveConfig(next, { path });
}

/**
 * What every scripting command needs: the effective configuration (file,
 * environment, flags), a client for the daemon, and the org to act on.
 */
import { RosterClient } from "@roster/core/client";
import type { Org, Role } from "@roster/core";
import { loadConfig, normalizeUrl, type LoadedConfig } from "../config.ts";
import { nodeHttpFetch } from "../http-transport.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { findOrg } from "./resolve.ts";

/** Options every scripting subcommand takes. */
export interface CommonOptions {
  json?: boolean;
  org?: string;
  url?: string;
}

export interface Context {
  config: LoadedConfig;
  client: RosterClient;
}

/** Config with the `--url` flag applied (flags beat env beat file). */
export async function resolveConfig(opts: CommonOptions): Promise<LoadedConfig> {
  const config = await loadConfig();
  if (opts.url !== undefined)
    return { ...config, url: checkUrl(opts.url), sources: { ...config.sources, url: "flag" } };
  return config;
}

export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      `--url: "${url}" is not a URL (for example http://127.0.0.1:8086).`,
      EXIT.usage,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(`--url: "${url}" must start with http:// or https://.`, EXIT.usage);
  }
  return normalizeUrl(url);
}

/** A client on the CLI's node:http transport (quicker to start than fetch). */
export function cliClient(url: string, token?: string, timeoutMs?: number): RosterClient {
  return new RosterClient({
    url,
    token,
    fetch: nodeHttpFetch,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

export async function connect(opts: CommonOptions): Promise<Context> {
  const config = await resolveConfig(opts);
  return { config, client: cliClient(config.url, config.token) };
}

export type OrgWithRole = Org & { role: Role };

/**
 * The org to act on: `--org`, else the configured default, else the only org
 * the caller belongs to. Ids match exactly, names case-insensitively.
 */
export async function resolveOrg(ctx: Context, opts: CommonOptions): Promise<OrgWithRole> {
  const { orgs } = await ctx.client.listOrgs();
  const key = opts.org ?? ctx.config.org;
  if (key !== undefined && key.trim() !== "") return findOrg(orgs, key);
  if (orgs.length === 1) return orgs[0] as OrgWithRole;
  if (orgs.length === 0) {
    throw new CliError(
      "You are not a member of any organization.",
      EXIT.refused,
      "not found",
      "org_not_found",
    );
  }
  throw new CliError(
    `You belong to ${orgs.length} organizations: pick one with --org <id-or-name> (${orgs.map((o) => `${o.name} = ${o.id}`).join(", ")}).`,
    EXIT.usage,
  );
}

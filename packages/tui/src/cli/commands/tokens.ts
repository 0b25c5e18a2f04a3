/** `roster tokens list|create|revoke`: the caller's own API tokens (R13). */
import type { ApiToken } from "@roster/core";
import { connect, type CommonOptions } from "../context.ts";
import { formatTime } from "../render.ts";
import { print, printJson } from "../report.ts";
import { renderTable } from "../table.ts";
import { parseExpiry } from "../token-expiry.ts";

export const TOKEN_HEADERS = ["ID", "Description", "Created", "Last used", "Expires"] as const;

export function tokensTable(tokens: readonly ApiToken[], now: number): string {
  return renderTable(
    TOKEN_HEADERS,
    tokens.map((t) => [
      t.current ? `${t.id} (this one)` : t.id,
      t.description || "-",
      formatTime(t.createdAt),
      t.lastUsedAt ? formatTime(t.lastUsedAt) : "never",
      t.expiresAt === null
        ? "never"
        : `${formatTime(t.expiresAt)}${Date.parse(t.expiresAt) <= now ? " (expired)" : ""}`,
    ]),
  );
}

export async function tokensList(opts: CommonOptions): Promise<void> {
  const { client } = await connect(opts);
  const { tokens } = await client.listTokens();
  if (opts.json) printJson(tokens);
  else print(tokensTable(tokens, Date.now()));
}

export interface CreateOptions extends CommonOptions {
  description?: string;
  expires?: string;
}

export async function tokensCreate(opts: CreateOptions): Promise<void> {
  const expiresAt = opts.expires === undefined ? undefined : parseExpiry(opts.expires, Date.now());
  const { client } = await connect(opts);
  const created = await client.createToken({
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  if (opts.json) {
    printJson(created);
    return;
  }
  print(
    `${tokensTable([created], Date.now())}\n` +
      `The new token, shown only this once (it is not saved in the config file):\n${created.token}`,
  );
}

export async function tokensRevoke(tokenID: string, opts: CommonOptions): Promise<void> {
  const { client } = await connect(opts);
  await client.revokeToken(tokenID);
  if (opts.json) printJson({ id: tokenID, revoked: true });
  else
    print(
      `Revoked the API token ${tokenID}: it no longer works, and its live sessions were closed.`,
    );
}

/**
 * What the TUI last learned from a daemon (who the token belongs to, the
 * names of its orgs), so that it can open an org — and queue actions — while
 * that daemon is down. Keyed by URL and a digest of the token; never holds
 * the token itself.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writePrivateFile } from "../private-file.ts";

const SessionSchema = z.object({
  url: z.string(),
  tokenDigest: z.string(),
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  orgs: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type CachedSession = z.infer<typeof SessionSchema>;

const digest = (s: string) => createHash("sha256").update(s).digest("hex");

export function sessionCachePath(dataDir: string, url: string): string {
  return join(dataDir, "tui", `session-${digest(url.replace(/\/+$/, "")).slice(0, 24)}.json`);
}

export function tokenDigest(token: string): string {
  return digest(`roster-token:${token}`).slice(0, 32);
}

export async function readSession(
  dataDir: string,
  url: string,
  token: string,
): Promise<CachedSession | undefined> {
  try {
    const raw = JSON.parse(await readFile(sessionCachePath(dataDir, url), "utf8")) as unknown;
    const parsed = SessionSchema.safeParse(raw);
    if (!parsed.success || parsed.data.tokenDigest !== tokenDigest(token)) return undefined;
    return parsed.data;
  } catch {
    return undefined;
  }
}

export async function writeSession(
  dataDir: string,
  url: string,
  token: string,
  session: Omit<CachedSession, "tokenDigest" | "url">,
): Promise<void> {
  const body: CachedSession = { url, tokenDigest: tokenDigest(token), ...session };
  await writePrivateFile(sessionCachePath(dataDir, url), JSON.stringify(body));
}

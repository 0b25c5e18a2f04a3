/**
 * Mail settings of the daemon, from DaemonOptions and (for what DaemonOptions
 * leaves unset) the environment:
 *
 * | option            | env                          | default                               |
 * |-------------------|------------------------------|---------------------------------------|
 * | smtpUrl           | ROSTER_SMTP_URL              | unset → file transport                |
 * | publicUrl         | ROSTER_PUBLIC_URL            | the daemon's own URL                  |
 * | mailFrom          | ROSTER_MAIL_FROM             | the SMTP user if it is an address, else `Roster <roster@<public host>>` |
 * | mailMaxAttempts   | ROSTER_MAIL_MAX_ATTEMPTS     | unset: retry until the link expires   |
 * | mailBackoffBaseMs | ROSTER_MAIL_BACKOFF_BASE_MS  | 2000 (doubles per failure, ≤ 10 min)  |
 * | mailBackoffCapMs  | ROSTER_MAIL_BACKOFF_CAP_MS   | 600000                                |
 * | mailPollMs        | ROSTER_MAIL_POLL_MS          | 1000                                  |
 * | mailSendTimeoutMs | ROSTER_MAIL_SEND_TIMEOUT_MS  | 30000 (one send, end to end)          |
 * | mailLeaseMs       | ROSTER_MAIL_LEASE_MS         | sendTimeout + 30 s (see outbox-worker)|
 * | mailBatchSize     | ROSTER_MAIL_BATCH_SIZE       | 8 (rows claimed, sent side by side and recorded in one commit) |
 */
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./backoff.ts";
import { parseSmtpUrl } from "./smtp-transport.ts";

export interface MailOptionsInput {
  smtpUrl?: string | undefined;
  publicUrl?: string | undefined;
  mailFrom?: string | undefined;
  mailMaxAttempts?: number | undefined;
  mailBackoffBaseMs?: number | undefined;
  mailBackoffCapMs?: number | undefined;
  mailPollMs?: number | undefined;
  mailSendTimeoutMs?: number | undefined;
  mailLeaseMs?: number | undefined;
  mailBatchSize?: number | undefined;
}

export interface MailSettings {
  smtpUrl: string | undefined;
  publicUrl: string;
  from: string;
  retry: RetryPolicy;
  pollMs: number;
  sendTimeoutMs: number;
  leaseMs: number;
  /** Most rows one pass claims, sends side by side and records in one transaction. */
  batchSize: number;
}

/**
 * `daemonUrl` is the address the daemon listens on (known after listen), the
 * default public URL.
 */
export function resolveMailSettings(
  input: MailOptionsInput,
  daemonUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): MailSettings {
  const str = (v: string | undefined, name: string): string | undefined => {
    const s = v ?? env[name];
    return s === undefined || s.trim() === "" ? undefined : s.trim();
  };
  const num = (v: number | undefined, name: string, min: number): number | undefined => {
    if (v !== undefined) return check(v, name, min);
    const s = env[name];
    if (s === undefined || s.trim() === "") return undefined;
    return check(Number(s), name, min);
  };

  const smtpUrl = str(input.smtpUrl, "ROSTER_SMTP_URL");
  if (smtpUrl !== undefined) parseSmtpUrl(smtpUrl);
  const publicUrl = normalizePublicUrl(str(input.publicUrl, "ROSTER_PUBLIC_URL") ?? daemonUrl);
  const retry: RetryPolicy = {
    maxAttempts:
      num(input.mailMaxAttempts, "ROSTER_MAIL_MAX_ATTEMPTS", 1) ?? DEFAULT_RETRY_POLICY.maxAttempts,
    baseMs:
      num(input.mailBackoffBaseMs, "ROSTER_MAIL_BACKOFF_BASE_MS", 1) ?? DEFAULT_RETRY_POLICY.baseMs,
    capMs:
      num(input.mailBackoffCapMs, "ROSTER_MAIL_BACKOFF_CAP_MS", 1) ?? DEFAULT_RETRY_POLICY.capMs,
  };
  const sendTimeoutMs = num(input.mailSendTimeoutMs, "ROSTER_MAIL_SEND_TIMEOUT_MS", 100) ?? 30_000;
  return {
    smtpUrl,
    publicUrl,
    from: str(input.mailFrom, "ROSTER_MAIL_FROM") ?? defaultFrom(smtpUrl, publicUrl),
    retry,
    pollMs: num(input.mailPollMs, "ROSTER_MAIL_POLL_MS", 10) ?? 1_000,
    sendTimeoutMs,
    leaseMs: num(input.mailLeaseMs, "ROSTER_MAIL_LEASE_MS", 100) ?? sendTimeoutMs + 30_000,
    batchSize: num(input.mailBatchSize, "ROSTER_MAIL_BATCH_SIZE", 1) ?? 8,
  };
}

function check(n: number, name: string, min: number): number {
  if (!Number.isFinite(n) || !Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, not ${String(n)}`);
  }
  return n;
}

export function normalizePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`ROSTER_PUBLIC_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`ROSTER_PUBLIC_URL must be http:// or https://, not ${url.protocol}//`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

function defaultFrom(smtpUrl: string | undefined, publicUrl: string): string {
  if (smtpUrl) {
    const user = decodeURIComponent(new URL(smtpUrl).username);
    if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(user)) return `Roster <${user}>`;
  }
  const host = new URL(publicUrl).hostname;
  const domain =
    host === "" || /^[\d.]+$/.test(host) || host.includes(":") || host.startsWith("[")
      ? "localhost"
      : host;
  return `Roster <roster@${domain}>`;
}

/**
 * SMTP transport (SPEC §4) through nodemailer, configured by one URL:
 * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or
 * `smtps://user:pass@host:465` (TLS from the first byte). nodemailer reads
 * further options from the query string, e.g. `?tls.rejectUnauthorized=false`
 * for a self-signed test server.
 *
 * A fresh connection per message (no pool): the outbox sends one message at a
 * time and a broken connection must not poison the next attempt. Timeouts are
 * short enough that a dead server shows up as a `failed` delivery quickly.
 */
import nodemailer from "nodemailer";
import {
  nodemailerMessage,
  type MailTransport,
  type OutgoingMail,
  type SendResult,
} from "./mail-transport.ts";

export interface SmtpTransportOptions {
  url: string;
  /** Milliseconds to wait for the TCP (or TLS) connection. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Milliseconds to wait for the server's greeting. Default 10 s. */
  greetingTimeoutMs?: number;
  /** Milliseconds of inactivity on the socket. Default 30 s. */
  socketTimeoutMs?: number;
}

export function parseSmtpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `ROSTER_SMTP_URL is not a URL (expected smtp://user:pass@host:port or smtps://...)`,
    );
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new Error(`ROSTER_SMTP_URL must start with smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (!url.hostname) throw new Error("ROSTER_SMTP_URL has no host");
  return url;
}

/** The URL without its credentials, for logs and error messages. */
export function redactSmtpUrl(raw: string): string {
  try {
    const url = parseSmtpUrl(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return "smtp://<invalid>";
  }
}

export function createSmtpTransport(opts: SmtpTransportOptions): MailTransport {
  parseSmtpUrl(opts.url);
  const destination = redactSmtpUrl(opts.url);
  const transporter = nodemailer.createTransport({
    url: opts.url,
    connectionTimeout: opts.connectionTimeoutMs ?? 10_000,
    greetingTimeout: opts.greetingTimeoutMs ?? 10_000,
    socketTimeout: opts.socketTimeoutMs ?? 30_000,
    dnsTimeout: 10_000,
  });

  return {
    kind: "smtp",
    async send(mail: OutgoingMail): Promise<SendResult> {
      const info = await transporter.sendMail(nodemailerMessage(mail));
      if (info.rejected.length > 0) {
        throw new Error(
          `the SMTP server rejected ${info.rejected.map(String).join(", ")}: ${info.response}`,
        );
      }
      return { messageId: String(info.messageId), destination };
    },
    async close() {
      transporter.close();
    },
  };
}

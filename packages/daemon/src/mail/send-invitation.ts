/**
 * One attempt at sending one invitation's email: render it (org, inviter,
 * expiry, link) and hand it to the transport, bounded by `sendTimeoutMs`
 * (shorter than the claim's lease). Resolves when the transport accepted the
 * message; rejects with the error to record otherwise.
 */
import type { Job } from "../service/outbox-queue.ts";
import type { MailSettings } from "./mail-options.ts";
import type { MailTransport, SendResult } from "./mail-transport.ts";
import { activationLink, inviteMessageId, renderInviteEmail } from "./render-invite-email.ts";

export async function sendInvitation(
  job: Job,
  transport: MailTransport,
  settings: MailSettings,
): Promise<SendResult> {
  const link = activationLink(settings.publicUrl, job.token);
  const rendered = renderInviteEmail({
    orgName: job.orgName,
    inviterName: job.inviterName,
    inviterEmail: job.inviterEmail,
    toEmail: job.to,
    link,
    expiresAt: job.expiresAt,
    now: Date.now(),
  });
  return withTimeout(
    transport.send({
      from: settings.from,
      to: job.to,
      ...(job.inviterEmail ? { replyTo: job.inviterEmail } : {}),
      ...rendered,
      messageId: inviteMessageId(settings.publicUrl, job.inviteID, job.sendNumber),
      link,
      outboxID: job.id,
      inviteID: job.inviteID,
    }),
    settings.sendTimeoutMs,
  );
}

const MAX_ERROR_LENGTH = 500;

/** An error as operators see it (the delivery's lastError): one line, at most 500 characters. */
export function errorMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return clip(raw.replace(/\s+/g, " ").trim() || "unknown error");
}

export function clip(s: string): string {
  return s.length > MAX_ERROR_LENGTH ? `${s.slice(0, MAX_ERROR_LENGTH - 3)}...` : s;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`sending took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * The invitation email (SPEC §4): plain text and HTML, naming the org and the
 * inviter, saying when the link expires, carrying the activation link.
 * Pure: no clock (the caller passes `now`), no I/O.
 */

export interface InviteEmailInput {
  orgName: string;
  inviterName: string;
  inviterEmail: string;
  toEmail: string;
  /** `<publicUrl>/activate/<token>` — see activationLink(). */
  link: string;
  /** When the link stops working (ISO 8601). */
  expiresAt: string;
  /** Milliseconds since the epoch, for the "in 72 hours" wording. */
  now: number;
}

export interface InviteEmail {
  subject: string;
  text: string;
  html: string;
}

/** `<publicUrl>/activate/<token>`; a trailing slash on publicUrl is ignored. */
export function activationLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/activate/${encodeURIComponent(token)}`;
}

/**
 * The Message-ID of one send of an invitation: the same on every attempt, so
 * a message sent twice (a crash after the SMTP server took it, before that was
 * recorded) is one message to mail systems that de-duplicate by Message-ID.
 */
export function inviteMessageId(publicUrl: string, inviteID: string, sendNumber: number): string {
  let host = "roster.invalid";
  try {
    host = new URL(publicUrl).hostname || host;
  } catch {
    // keep the placeholder domain
  }
  // An IPv6 host keeps its brackets: "[::1]" is a valid Message-ID domain literal.
  return `<invite.${inviteID}.${sendNumber}@${host}>`;
}

export function renderInviteEmail(input: InviteEmailInput): InviteEmail {
  const inviter = displayInviter(input.inviterName, input.inviterEmail);
  const inviterShort = oneLine(input.inviterName) || oneLine(input.inviterEmail);
  const org = oneLine(input.orgName);
  const expiresUtc = formatUtc(input.expiresAt);
  const left = describeTimeLeft(Date.parse(input.expiresAt) - input.now);
  const expiry = `This link expires on ${expiresUtc} (${left}).`;
  const ignore =
    "If you did not expect this invitation, you can ignore this email: nothing happens unless you open the link and accept.";

  const subject = `${inviterShort} invited you to join ${org} on Roster`;

  const text = [
    `Hello,`,
    ``,
    `${inviter} invited you to join the organization ${org} on Roster.`,
    ``,
    `To accept, open this link:`,
    ``,
    input.link,
    ``,
    expiry,
    ``,
    ignore,
    ``,
    `-- `,
    `Roster`,
    ``,
  ].join("\n");

  const h = escapeHtml;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(subject)}</title>
</head>
<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2328; line-height: 1.5; max-width: 560px; margin: 0 auto; padding: 24px;">
<p>Hello,</p>
<p><strong>${h(inviter)}</strong> invited you to join the organization <strong>${h(org)}</strong> on Roster.</p>
<p style="margin: 28px 0;"><a href="${h(input.link)}" style="background: #1f6feb; color: #ffffff; padding: 10px 18px; border-radius: 6px; text-decoration: none; font-weight: 600;">Accept the invitation</a></p>
<p>Or copy this link into your browser:<br><a href="${h(input.link)}">${h(input.link)}</a></p>
<p>${h(expiry)}</p>
<p style="color: #59636e; font-size: 14px;">${h(ignore)}</p>
</body>
</html>
`;

  return { subject, text, html };
}

/** "Alice Liddell <alice@example.com>" or just the email when there is no name. */
function displayInviter(name: string, email: string): string {
  const n = oneLine(name);
  const e = oneLine(email);
  if (!n || n.toLowerCase() === e.toLowerCase()) return e;
  return `${n} (${e})`;
}

/** Names come from users: never let one break a header or the layout. */
function oneLine(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || c === 0x7f ? " " : ch;
  }
  return out.replace(/ {2,}/g, " ").trim();
}

/** "2025-01-31 14:05 UTC" */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** "in 72 hours", "in 1 hour", "in 15 minutes", "already expired". */
export function describeTimeLeft(ms: number): string {
  if (ms <= 0) return "already expired";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return minutes <= 1 ? "in 1 minute" : `in ${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  return hours === 1 ? "in 1 hour" : `in ${hours} hours`;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

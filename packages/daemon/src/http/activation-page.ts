/**
 * The HTML pages of an emailed activation link. Everything interpolated is
 * HTML-escaped; the pages need no script, and the CSP says so.
 */
import { describeExpiry, type DomainError, type Invite, type Org, type User } from "@roster/core";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Headers of every activation page: the token is in the URL. */
export const ACTIVATION_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
};

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1b1b1b; }
  h1 { font-size: 1.5rem; }
  .box { border: 1px solid #ccc; border-radius: 6px; padding: 1rem 1.25rem; }
  label { display: block; margin: 1rem 0 .25rem; }
  input[type=text] { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
  button { margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
  code, pre { font-family: ui-monospace, monospace; background: #f3f3f3; padding: .1rem .3rem; border-radius: 3px; }
  pre { padding: .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
  .error { border-color: #b00020; }
  .muted { color: #555; font-size: .9rem; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function who(user: User | undefined, fallback: string): string {
  if (!user) return escapeHtml(fallback);
  return user.name
    ? `${escapeHtml(user.name)} (${escapeHtml(user.email)})`
    : escapeHtml(user.email);
}

/** How an existing account accepts (R9): signed in, from a terminal. */
function signInHowTo(email: string, link: string): string {
  return `<p><strong>${escapeHtml(email)}</strong> already has a Roster account, so this link alone cannot
accept the invitation: it must be accepted by that account, signed in. In a terminal where you are
signed in to Roster as ${escapeHtml(email)}, run:</p>
<pre>roster accept ${escapeHtml(link)}</pre>
<p class="muted">In a Roster checkout: <code>pnpm roster accept ${escapeHtml(link)}</code>. Your
account joins the organization; no new API token is made.</p>`;
}

export function invitationPage(p: {
  org: Org;
  invite: Invite;
  inviter: User | undefined;
  now: number;
  link: string;
  nameMaxLength: number;
  existingAccount: boolean;
}): string {
  const { org, invite } = p;
  const expires = `${describeExpiry(invite, p.now)} (${new Date(invite.expiresAt).toUTCString()})`;
  const intro = `<h1>Join <strong>${escapeHtml(org.name)}</strong> on Roster</h1>
<div class="box">
<p>${who(p.inviter, "A member")} invited <strong>${escapeHtml(invite.email)}</strong> to the organization
<strong>${escapeHtml(org.name)}</strong> as <strong>${escapeHtml(invite.role)}</strong>.</p>
<p>This invitation ${escapeHtml(expires)}.</p>`;
  if (p.existingAccount) {
    return page(
      `Join ${org.name} on Roster`,
      `${intro}\n${signInHowTo(invite.email, p.link)}\n</div>`,
    );
  }
  return page(
    `Join ${org.name} on Roster`,
    `${intro}
<form method="post" action="">
<label for="name">Your name (optional)</label>
<input type="text" id="name" name="name" maxlength="${p.nameMaxLength}" autocomplete="name">
<button type="submit">Accept invitation</button>
</form>
</div>
<p class="muted">Or accept from a terminal: <code>roster accept ${escapeHtml(p.link)}</code>
— in a Roster checkout: <code>pnpm roster accept ${escapeHtml(p.link)}</code></p>`,
  );
}

/** The answer to the form's POST for an existing account (401 sign_in_required). */
export function signInRequiredPage(p: {
  org: Org | undefined;
  email: string;
  link: string;
}): string {
  const title = p.org ? `Invitation to ${p.org.name}` : "Invitation";
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<div class="box error">
${signInHowTo(p.email, p.link)}
</div>`,
  );
}

export function refusalPage(error: DomainError, org?: Org): string {
  const title = org ? `Invitation to ${org.name}` : "Invitation";
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<div class="box error">
<p>${escapeHtml(error.message)}</p>
</div>`,
  );
}

export function acceptedPage(p: {
  org: Org;
  user: User;
  token: string;
  publicUrl: string;
}): string {
  const env = `ROSTER_URL=${p.publicUrl} ROSTER_TOKEN=${p.token} roster`;
  return page(
    `Welcome to ${p.org.name}`,
    `<h1>You joined <strong>${escapeHtml(p.org.name)}</strong></h1>
<div class="box">
<p>You are signed up as <strong>${escapeHtml(p.user.email)}</strong>. Your API token is shown <strong>only this once</strong>;
keep it like a password:</p>
<pre id="token">${escapeHtml(p.token)}</pre>
<p>Use it with <code>roster</code>:</p>
<pre>${escapeHtml(env)}</pre>
<p class="muted">Or send it as <code>Authorization: Token &lt;token&gt;</code> to ${escapeHtml(p.publicUrl)}/api/v2.</p>
</div>`,
  );
}

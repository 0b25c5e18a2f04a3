/**
 * The org screen's words for what happens: the message line after an action
 * is submitted or confirmed, and the header's view of the connection.
 */
import { errors, type PendingAction } from "@roster/core";
import type { OrgEngine } from "./ports.ts";
import type { ConnectionView } from "./format.ts";

export interface Message {
  kind: "error" | "info" | "ok";
  text: string;
  /**
   * A refusal that only holds until a moment (a too-early resend): the line
   * counts down to `until` (epoch ms) and then says the action may be retried.
   */
  countdown?: { until: number; render: (secondsLeft: number) => Message };
}

/** The message as it reads at `now` (a countdown's text follows the clock). */
export function messageAt(m: Message, now: number): Message {
  if (!m.countdown) return m;
  return m.countdown.render(Math.max(0, Math.ceil((m.countdown.until - now) / 1000)));
}

/** "Try resending again in N s", counting down; then that it may be resent. */
export function resendTooSoonMessage(retryAfterS: number, now: number): Message {
  const render = (left: number): Message =>
    left > 0
      ? { kind: "error", text: `✗ ${errors.resendTooSoon(left).message}` }
      : { kind: "info", text: "The invitation can be resent now: press r." };
  return {
    ...render(Math.ceil(retryAfterS)),
    countdown: { until: now + retryAfterS * 1000, render },
  };
}

export function connectionView(
  link: ReturnType<OrgEngine["getLink"]>,
  unsent: number,
  now: number,
): ConnectionView {
  switch (link.state) {
    case "live":
      return { state: "live" };
    case "connecting":
      return { state: "connecting" };
    case "reconnecting":
      return { state: "reconnecting" };
    case "offline":
      return link.dataAsOf === undefined
        ? { state: "offline", queued: unsent }
        : { state: "offline", queued: unsent, dataAge: now - link.dataAsOf };
    case "revoked":
      return { state: "revoked", message: link.message ?? "" };
  }
}

export function doneMessage(a: PendingAction, target: string): string {
  switch (a.kind.type) {
    case "invite":
      return `✓ Invited ${a.kind.email}.`;
    case "resend":
      return `✓ Sent the invitation to ${target} again.`;
    case "withdraw":
      return `✓ Withdrew the invitation for ${target}.`;
    case "remove":
      return `✓ Removed ${target} from the organization.`;
  }
}

export function submittedMessage(a: PendingAction, online: boolean): Message {
  const what = a.kind;
  const tail = online ? "" : " — queued until the daemon is back";
  switch (what.type) {
    case "invite":
      return { kind: "info", text: `Inviting ${what.email}…${tail}` };
    case "resend":
      return { kind: "info", text: `Resending the invitation…${tail}` };
    case "withdraw":
      return { kind: "info", text: `Withdrawing the invitation…${tail}` };
    case "remove":
      return { kind: "info", text: `Removing the member…${tail}` };
  }
}

/** The quit dialog's words (its title asks the question): what stays behind, and when it goes out. */
export function unsentQuestion(unsent: number, orgName: string): string {
  if (unsent === 0) return "Every action has been sent now.";
  const what =
    unsent === 1
      ? "1 action is not sent yet. It stays queued and is sent"
      : `${unsent} actions are not sent yet. They stay queued and are sent`;
  return `${what} the next time Roster opens ${orgName} and reaches the daemon.`;
}

/** One line (it fits 80 columns) left in the shell when Roster quits with actions not yet sent. */
export function unsentNote(unsent: number, orgName: string): string {
  const what =
    unsent === 1 ? "1 action not sent yet. It is" : `${unsent} actions not sent yet. They are`;
  return `Roster: ${what} sent when you open ${orgName} again.`;
}

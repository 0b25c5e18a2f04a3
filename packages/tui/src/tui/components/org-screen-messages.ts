/**
 * The org screen's words for what happens: the message line after an action
 * is submitted or confirmed, and the header's view of the connection.
 */
import type { PendingAction } from "@roster/core";
import type { OrgEngine } from "../engine-port.ts";
import type { ConnectionView } from "../format.ts";

export interface Message {
  kind: "error" | "info" | "ok";
  text: string;
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

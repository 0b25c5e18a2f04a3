/**
 * What the org screen's list keys do to the org: submit or check an action,
 * ask before removing or withdrawing, resend, dismiss refusals, open the org
 * switcher; and the message line that follows a submitted action until the
 * daemon confirms it.
 */
import type { ActionInput, PendingAction, Role, SyncState, SyncView } from "@roster/core";
import { useEffect, useRef, useState } from "react";
import type { Modal } from "../modal-keys.ts";
import type { OrgChoice, OrgEngine } from "../ports.ts";
import type { InviteItem, MemberItem } from "../screen-model.ts";
import type { ListName } from "./header.tsx";
import { doneMessage, resendTooSoonMessage, submittedMessage, type Message } from "../messages.ts";

export interface OrgScreenActionsProps {
  engine: OrgEngine;
  state: SyncState;
  view: SyncView;
  /** The lists are known: from the daemon in this run, or saved by an earlier one. */
  loaded: boolean;
  online: boolean;
  now: number;
  /** The org's name until the first snapshot arrives. */
  orgName: string | undefined;
  active: ListName;
  selected: MemberItem | InviteItem | undefined;
  loadOrgs: (() => Promise<OrgChoice[]>) | undefined;
  setMessage: (message: Message | null) => void;
  setModal: (modal: Modal | null) => void;
  /** An invitation was accepted: close the form and show the Invitations list. */
  /** The invitation to `email` was submitted (the invites list should show it). */
  onInvited: (email: string) => void;
}

export interface OrgScreenActions {
  /** Submit an action; a local refusal goes to the message line. */
  submit: (input: ActionInput, target: string) => boolean;
  /** Submit the invite form: undefined once accepted, else why not (for the form). */
  submitInvite: (email: string, role: Role) => string | undefined;
  askDelete: () => void;
  resend: () => void;
  openSwitcher: () => void;
  dismissAll: () => void;
}

export function useOrgScreenActions(p: OrgScreenActionsProps): OrgScreenActions {
  const { setMessage } = p;
  // The last action submitted here: once the daemon has confirmed it, say so.
  const [watching, setWatching] = useState<{ id: string; done: string } | null>(null);
  useEffect(() => {
    if (!watching) return;
    const a = p.state.pending.find((x) => x.id === watching.id);
    if (a === undefined || a.state === "confirmed") {
      setMessage({ kind: "ok", text: watching.done });
      setWatching(null);
    } else if (a.state === "failed") {
      setWatching(null);
    }
  }, [p.state.pending, watching, setMessage]);

  // Actions queued earlier (offline, or in a previous run) that went out once the daemon was back:
  // they go out one at a time, so count the most that waited since the queue was last empty.
  const unsentBefore = useRef(p.view.unsent);
  useEffect(() => {
    const before = Math.max(unsentBefore.current, p.view.unsent);
    unsentBefore.current = p.view.unsent === 0 ? 0 : before;
    if (before > 0 && p.view.unsent === 0 && watching === null && p.view.failed.length === 0) {
      setMessage({
        kind: "ok",
        text: `✓ Sent ${before} queued action${before === 1 ? "" : "s"} to the daemon.`,
      });
    }
  }, [p.view.unsent, p.view.failed.length, watching, setMessage]);

  const afterSubmit = (a: PendingAction, target: string) => {
    setMessage(submittedMessage(a, p.online));
    setWatching({ id: a.id, done: doneMessage(a, target) });
  };

  /** A local refusal in words; before the lists are known nothing can be checked. */
  const refusal = (message: string, reason: string | undefined): string =>
    !p.loaded && reason === "org_not_found"
      ? "The organization has not been loaded from the daemon yet, so this cannot be checked. Try again once it is back."
      : message;

  const submit = (input: ActionInput, target: string): boolean => {
    const r = p.engine.submit(input);
    if (!r.ok) {
      const { retryAfterS } = r.error;
      setMessage(
        retryAfterS !== undefined
          ? resendTooSoonMessage(retryAfterS, p.now)
          : { kind: "error", text: `✗ ${refusal(r.error.message, r.error.reason)}` },
      );
      return false;
    }
    afterSubmit(r.value, target);
    return true;
  };

  const submitInvite = (email: string, role: Role): string | undefined => {
    const r = p.engine.submit({ type: "invite", email, role });
    if (!r.ok) return refusal(r.error.message, r.error.reason);
    const invited = r.value.kind.type === "invite" ? r.value.kind.email : email;
    p.onInvited(invited);
    afterSubmit(r.value, invited);
    return undefined;
  };

  const check = (input: ActionInput): string | undefined => {
    const r = p.engine.validate(input);
    return r.ok ? undefined : refusal(r.error.message, r.error.reason);
  };

  const askDelete = () => {
    if (!p.selected) {
      setMessage({
        kind: "info",
        text: p.active === "members" ? "No member selected." : "No invitation selected.",
      });
      return;
    }
    if (p.active === "members") {
      const m = p.selected as MemberItem;
      const input: ActionInput = { type: "remove", userID: m.member.userID };
      const problem = check(input);
      if (problem) {
        setMessage({ kind: "error", text: `✗ ${problem}` });
        return;
      }
      const who = m.member.name ? `${m.member.name} <${m.member.email}>` : m.member.email;
      p.setModal({
        type: "confirm",
        input,
        target: m.member.email,
        title: "Remove member",
        body: `Remove ${who} from ${p.view.org?.name ?? p.orgName ?? "this organization"}? They lose access at once; their user account and other organizations are not touched.`,
        label: "Remove user access",
        focused: 0,
      });
      return;
    }
    const inv = p.selected as InviteItem;
    if (inv.mark === "failed" && inv.action) {
      p.engine.dismiss(inv.action.id);
      setMessage({ kind: "info", text: `Dismissed the refused invitation for ${inv.email}.` });
      return;
    }
    if (!inv.invite) return;
    const input: ActionInput = { type: "withdraw", inviteID: inv.invite.id };
    const problem = check(input);
    if (problem) {
      setMessage({ kind: "error", text: `✗ ${problem}` });
      return;
    }
    p.setModal({
      type: "confirm",
      input,
      target: inv.email,
      title: "Withdraw invitation",
      body: `Withdraw the invitation for ${inv.email}? The link in their email stops working.`,
      label: "Withdraw Invitation",
      focused: 0,
    });
  };

  const resend = () => {
    if (p.active !== "invites") {
      setMessage({
        kind: "info",
        text: "Resend works on invitations: press 2 or Tab to show them.",
      });
      return;
    }
    const inv = p.selected as InviteItem | undefined;
    if (!inv?.invite) {
      setMessage({ kind: "info", text: "No invitation selected." });
      return;
    }
    submit({ type: "resend", inviteID: inv.invite.id }, inv.email);
  };

  const openSwitcher = () => {
    if (!p.loadOrgs) {
      setMessage({ kind: "info", text: "Switching organizations is not available here." });
      return;
    }
    p.loadOrgs().then(
      (orgs) => {
        if (!orgs.some((o) => o.id !== p.engine.orgID)) {
          setMessage({
            kind: "info",
            text:
              orgs.length === 0
                ? "You do not belong to any organization now."
                : "You belong to one organization only.",
          });
          return;
        }
        const cursorAt = Math.max(
          0,
          orgs.findIndex((o) => o.id === p.engine.orgID),
        );
        p.setModal({ type: "switcher", orgs, cursor: cursorAt });
      },
      (e: unknown) => setMessage({ kind: "error", text: `✗ ${(e as Error).message}` }),
    );
  };

  const dismissAll = () => {
    for (const a of p.view.failed) p.engine.dismiss(a.id);
    setMessage(null);
  };

  return { submit, submitInvite, askDelete, resend, openSwitcher, dismissAll };
}

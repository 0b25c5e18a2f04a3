/**
 * What each key does on the org screen: the list commands (move, switch
 * list, sort, filter, invite, copy a link, delete, quit...), the effects of a
 * key in a dialog (../modal-keys.ts decides, this carries them out), and the
 * key feed itself, including keys typed before the screen was up. The state
 * the keys change (list, sort, filter, dialog) lives in useOrgScreenControls.
 */
import type { Key } from "ink";
import { useEffect, useState } from "react";
import { cycleSort, DEFAULT_SORT, reverseSort, type SortPrefs } from "@roster/core";
import type { OrgEngine } from "../ports.ts";
import { copyWithOsc52 } from "../clipboard.ts";
import { editField, type Edit } from "../text-edit.ts";
import { useRefState, useStableInput } from "../hooks.ts";
import type { KeyPress } from "../input-chunks.ts";
import { resolveKey, type Command } from "../keymap.ts";
import { moveCursor } from "../list-window.ts";
import { emptyInviteForm } from "../forms.ts";
import type { Message } from "../messages.ts";
import {
  inviteRefused,
  modalKeyStep,
  screenContext,
  typeIntoInvite,
  type Modal,
} from "../modal-keys.ts";
import type { InviteItem } from "../screen-model.ts";
import type { ListName } from "./header.tsx";
import type { useListSelection } from "./use-list-selection.ts";
import type { OrgScreenActions } from "./use-org-screen-actions.ts";

/** What the org screen's owner hands it for keys to act with (part of OrgScreenProps). */
export interface OrgScreenOwner {
  engine: OrgEngine;
  onOpenOrg?: (orgID: string) => void;
  onQuit: () => void;
  /** Called when `s` / `S` change the sort (to remember it). */
  onSortChange?: (sort: SortPrefs) => void;
  /** Put text on the user's clipboard (default: OSC 52 to the terminal). */
  copyToClipboard?: (text: string) => void;
  /** Keys typed before the screen was up (while the TUI was starting), handled on mount. */
  typedAhead?: readonly KeyPress[];
  /**
   * Called on mount with this screen's key feed (and with null on unmount):
   * returns the keys the app received for it before it was listening, and
   * passes it any that the app still receives after.
   */
  attachInput?: (feed: ((presses: readonly KeyPress[]) => void) | null) => readonly KeyPress[];
}

/**
 * The org screen's own state, which its keys change: the list in view, the
 * sort, the filter (and whether it is being typed), the open dialog. Key
 * handlers read the refs: a key never acts on what an earlier key replaced.
 */
export function useOrgScreenControls(initialSort: SortPrefs | undefined) {
  const [active, setActive] = useState<ListName>("members");
  const [sort, setSort] = useState<SortPrefs>(initialSort ?? DEFAULT_SORT);
  const [filterEdit, setFilterEdit, filterRef] = useRefState<Edit>({ value: "", cursor: 0 });
  const [filterEditing, setFilterEditing, filterEditingRef] = useRefState(false);
  const [modal, setModal, modalRef] = useRefState<Modal | null>(null);
  return {
    active,
    setActive,
    sort,
    setSort,
    filterEdit,
    setFilterEdit,
    filterRef,
    /** The filter's text. */
    filter: filterEdit.value,
    setFilter: (value: string) => setFilterEdit({ value, cursor: value.length }),
    filterEditing,
    setFilterEditing,
    filterEditingRef,
    modal,
    setModal,
    modalRef,
  };
}

export type OrgScreenControls = ReturnType<typeof useOrgScreenControls>;

/** What the keys act on in this render of the screen. */
export interface OrgScreenKeyTargets {
  selection: ReturnType<typeof useListSelection>;
  /** Rows of the list in view. */
  height: number;
  /** The place a dialog takes. */
  areaHeight: number;
  /** Removed from the org (access revoked). */
  revoked: boolean;
  revokedText: string;
  actions: OrgScreenActions;
  /** The selected invitation's activation link, if the daemon gave it to this session. */
  selectedLink: () => string | undefined;
  setMessage: (message: Message | null) => void;
}

export function useOrgScreenKeys(
  owner: OrgScreenOwner,
  ui: OrgScreenControls,
  at: OrgScreenKeyTargets,
): void {
  const { engine, onQuit } = owner;
  const { active, sort, setActive, setModal, setFilterEditing } = ui;
  const { selection, revoked, actions, setMessage } = at;
  const { items, cursor, selected } = selection;

  /** Actions still queued or sending (not once access is revoked: those can never go out). */
  const hasUnsent = () => !revoked && engine.getView(Date.now()).unsent > 0;

  const onList = (cmd: Command) => {
    // Removed from the org: say so, rather than open a form that ends in "Organization not found".
    if (revoked && (cmd === "invite" || cmd === "resend" || cmd === "delete")) {
      setMessage({ kind: "error", text: `✗ ${at.revokedText}` });
      return;
    }
    if (active === "activity" && (cmd === "resend" || cmd === "delete")) {
      setMessage({
        kind: "info",
        text: "Activity is the change log: press 1 (Members) or 2 (Invitations) to act.",
      });
      return;
    }
    switch (cmd) {
      case "down":
      case "up":
      case "top":
      case "bottom":
      case "pageDown":
      case "pageUp":
        selection.select(active, moveCursor(cursor, items.length, at.height, cmd));
        return;
      case "nextList":
        setActive((a) => (a === "members" ? "invites" : a === "invites" ? "activity" : "members"));
        return;
      case "showActivity":
        setActive("activity");
        return;
      case "showMembers":
        setActive("members");
        return;
      case "showInvites":
        setActive("invites");
        return;
      case "sort":
      case "reverseSort": {
        if (active === "activity") {
          setMessage({ kind: "info", text: "Activity is always newest first." });
          return;
        }
        const next: SortPrefs =
          active === "members"
            ? {
                ...sort,
                members:
                  cmd === "sort" ? cycleSort("members", sort.members) : reverseSort(sort.members),
              }
            : {
                ...sort,
                invites:
                  cmd === "sort" ? cycleSort("invites", sort.invites) : reverseSort(sort.invites),
              };
        ui.setSort(next);
        owner.onSortChange?.(next);
        return;
      }
      case "filter":
        // The filter line takes the message line's place: the message is dismissed, not hidden.
        setMessage(null);
        setFilterEditing(true);
        return;
      case "clearFilter":
        if (ui.filter !== "") ui.setFilter("");
        else setMessage(null);
        return;
      case "invite":
        setModal({ type: "invite", form: emptyInviteForm() });
        return;
      case "resend":
        actions.resend();
        return;
      case "copyLink": {
        const link = at.selectedLink();
        const email = (selected as InviteItem | undefined)?.email;
        if (link === undefined) {
          setMessage({
            kind: "info",
            text:
              active !== "invites" || !selected
                ? "y copies an invitation's activation link: select one in Invitations (2)."
                : "No link for this invitation here: the daemon shows it only to the session that invited or resent (r).",
          });
          return;
        }
        (owner.copyToClipboard ?? copyWithOsc52)(link);
        setMessage({ kind: "ok", text: `✓ Copied the activation link for ${email} (OSC 52).` });
        return;
      }
      case "delete":
        actions.askDelete();
        return;
      case "dismiss":
        actions.dismissAll();
        return;
      case "switchOrg":
        actions.openSwitcher();
        return;
      case "help":
        setModal({ type: "help", offset: 0 });
        return;
      case "quit":
        // Queued actions survive quitting, but go out only when Roster runs again: ask first.
        // (Not once access is revoked: those actions can never go out.)
        if (hasUnsent()) setModal({ type: "quit", focused: 0 });
        else onQuit();
        return;
      case "forceQuit":
        onQuit();
        return;
      default:
        return;
    }
  };

  const onModal = (m: Modal, cmd: Command) => {
    const step = modalKeyStep(m, cmd, {
      height: at.areaHeight,
      currentOrgID: engine.orgID,
      hasUnsent,
    });
    if (step.modal !== m) setModal(step.modal);
    const effect = step.effect;
    switch (effect?.type) {
      case "quit":
        onQuit();
        return;
      case "openOrg":
        owner.onOpenOrg?.(effect.orgID);
        return;
      case "message":
        setMessage(effect.message);
        return;
      case "submit":
        actions.submit(effect.input, effect.target);
        return;
      case "submitInvite": {
        const error = actions.submitInvite(effect.email, effect.role);
        if (error !== undefined) setModal(inviteRefused(m, error));
        return;
      }
    }
  };

  const feedKeys = useStableInput((input: string, key: Key) => {
    // Read what earlier keys left, even if React has not drawn it yet.
    const modal = ui.modalRef.current;
    const context = screenContext(modal, ui.filterEditingRef.current);
    // A text field with the focus takes the keys that edit it; the rest are commands.
    if (context === "filter") {
      const f = ui.filterRef.current;
      const next = editField(f, input, key);
      if (next !== f) {
        ui.setFilterEdit(next);
        return;
      }
    }
    if (modal?.type === "invite") {
      const form = typeIntoInvite(modal.form, input, key);
      if (form !== undefined) {
        setModal({ ...modal, form });
        return;
      }
    }
    const cmd = resolveKey(context, input, key);
    if (cmd === undefined) return;
    if (modal) {
      onModal(modal, cmd);
      return;
    }
    if (context === "filter") {
      if (cmd === "filterDone") setFilterEditing(false);
      else if (cmd === "clearFilter") {
        ui.setFilter("");
        setFilterEditing(false);
      } else if (cmd === "forceQuit") onQuit();
      return;
    }
    onList(cmd);
  });

  // Keys typed while the TUI was starting: handled once, as if typed now. From here on
  // this screen listens itself (its input effect ran above); keys that reached the app
  // before that are passed on through `attachInput`.
  useEffect(() => {
    const early = owner.attachInput?.(feedKeys) ?? [];
    const keys = [...(owner.typedAhead ?? []), ...early];
    if (keys.length > 0) feedKeys(keys);
    return () => {
      owner.attachInput?.(null);
    };
    // Once, on mount: later changes of the props are not new keys.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}

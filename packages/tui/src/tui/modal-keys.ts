/**
 * What a command does in each dialog of the org screen (help, confirm, quit,
 * invite form, org switcher), as a pure step: the dialog after the key, and
 * at most one effect, as plain data, for the screen to carry out.
 */
import { ROLES, type ActionInput, type Role } from "@roster/core";
import type { Key } from "ink";
import type { InviteFormState } from "./forms.ts";
import { helpBodyLines, helpLines } from "./help-lines.ts";
import type { Command, KeyContext } from "./keymap.ts";
import { clamp } from "./list-window.ts";
import type { Message } from "./messages.ts";
import type { OrgChoice } from "./ports.ts";
import { editField } from "./text-edit.ts";

/** The dialog open over the org screen's list, if any. */
export type Modal =
  | { type: "help"; offset: number }
  | { type: "invite"; form: InviteFormState }
  | {
      type: "confirm";
      input: ActionInput;
      /** Who or what the action is about, for the messages. */
      target: string;
      title: string;
      body: string;
      label: string;
      focused: 0 | 1;
    }
  | { type: "switcher"; orgs: OrgChoice[]; cursor: number }
  /**
   * `q`, or another org chosen with `o`, while actions are still queued or
   * sending: stay (the default), or quit / switch anyway.
   */
  | { type: "quit"; focused: 0 | 1; switchTo?: OrgChoice };

export type ModalEffect =
  | { type: "quit" }
  | { type: "openOrg"; orgID: string }
  | { type: "message"; message: Message }
  | { type: "submit"; input: ActionInput; target: string }
  /** The form stays open: the screen closes it once the invitation is accepted, or shows the refusal. */
  | { type: "submitInvite"; email: string; role: Role };

export interface ModalStep {
  /** The dialog after the key: the same object when the key changed nothing, null once closed. */
  modal: Modal | null;
  effect?: ModalEffect;
}

export interface ModalKeyContext {
  /** Lines the dialog has on the screen (the help screen scrolls within them). */
  height: number;
  /** The org on screen: choosing it in the switcher just closes the switcher. */
  currentOrgID: string;
  /** Actions still queued or sending (read only when about to leave the org). */
  hasUnsent: () => boolean;
}

/** Where the org screen's keys go: the open dialog's context, else the filter line's or the list's. */
export function screenContext(m: Modal | null, editingFilter: boolean): KeyContext {
  switch (m?.type) {
    case "help":
      return "help";
    case "confirm":
    case "quit":
      return "dialog";
    case "invite":
      return "form";
    case "switcher":
      return "switcher";
    case undefined:
      return editingFilter ? "filter" : "list";
  }
}

const CANCELLED: Message = { kind: "info", text: "Cancelled." };

/** One command in the open dialog. */
export function modalKeyStep(m: Modal, cmd: Command, ctx: ModalKeyContext): ModalStep {
  if (cmd === "forceQuit") return { modal: m, effect: { type: "quit" } };
  switch (m.type) {
    case "help": {
      const max = Math.max(0, helpLines().length - helpBodyLines(ctx.height));
      if (cmd === "down") return { modal: { ...m, offset: clamp(m.offset + 1, 0, max) } };
      if (cmd === "up") return { modal: { ...m, offset: clamp(m.offset - 1, 0, max) } };
      if (cmd === "cancel" || cmd === "help") return { modal: null };
      return { modal: m };
    }
    case "confirm":
      if (cmd === "toggleButton") return { modal: { ...m, focused: m.focused === 0 ? 1 : 0 } };
      if (cmd === "cancel") return { modal: null, effect: { type: "message", message: CANCELLED } };
      if (cmd === "confirm") {
        return {
          modal: null,
          effect:
            m.focused === 1
              ? { type: "submit", input: m.input, target: m.target }
              : { type: "message", message: CANCELLED },
        };
      }
      return { modal: m };
    case "invite": {
      if (cmd === "cancel") return { modal: null };
      if (cmd === "submit") {
        return {
          modal: m,
          effect: { type: "submitInvite", email: m.form.email, role: m.form.role },
        };
      }
      const form = inviteFormStep(m.form, cmd);
      return { modal: form === m.form ? m : { ...m, form } };
    }
    case "quit":
      if (cmd === "toggleButton") return { modal: { ...m, focused: m.focused === 0 ? 1 : 0 } };
      if (cmd === "cancel") return { modal: null };
      if (cmd === "confirm") {
        if (m.focused === 0) return { modal: null };
        return {
          modal: null,
          effect: m.switchTo ? { type: "openOrg", orgID: m.switchTo.id } : { type: "quit" },
        };
      }
      return { modal: m };
    case "switcher": {
      const last = m.orgs.length - 1;
      if (cmd === "down") return { modal: { ...m, cursor: clamp(m.cursor + 1, 0, last) } };
      if (cmd === "up") return { modal: { ...m, cursor: clamp(m.cursor - 1, 0, last) } };
      if (cmd === "cancel") return { modal: null };
      if (cmd === "choose") {
        const org = m.orgs[m.cursor];
        if (!org || org.id === ctx.currentOrgID) return { modal: null };
        // Queued actions stay with this org and go out when it is opened again: ask first.
        if (ctx.hasUnsent()) return { modal: { type: "quit", focused: 0, switchTo: org } };
        return { modal: null, effect: { type: "openOrg", orgID: org.id } };
      }
      return { modal: m };
    }
  }
}

/** The invite form's own keys: switch field, and cycle the role while it has the focus. */
export function inviteFormStep(f: InviteFormState, cmd: Command): InviteFormState {
  if (cmd === "nextField" || cmd === "prevField") return { ...f, field: f.field === 0 ? 1 : 0 };
  if ((cmd === "nextOption" || cmd === "prevOption") && f.field === 1) {
    const i = ROLES.indexOf(f.role);
    const next =
      ROLES[(i + (cmd === "nextOption" ? 1 : ROLES.length - 1)) % ROLES.length] ?? f.role;
    return { ...f, role: next };
  }
  return f;
}

/**
 * A key typed into the invite form's email field (when it has the focus), or
 * undefined when the key does not edit the field (it is then a command).
 * Changing the address clears the last refusal.
 */
export function typeIntoInvite(
  f: InviteFormState,
  input: string,
  key: Partial<Key>,
): InviteFormState | undefined {
  if (f.field !== 0) return undefined;
  const e = editField({ value: f.email, cursor: f.cursor }, input, key);
  if (e.value === f.email && e.cursor === f.cursor) return undefined;
  const changed = e.value !== f.email;
  return { ...f, email: e.value, cursor: e.cursor, ...(changed ? { error: undefined } : {}) };
}

/** The invite form again, saying why the invitation was refused. */
export function inviteRefused(m: Modal, error: string): Modal {
  return m.type === "invite" ? { ...m, form: { ...m.form, error } } : m;
}

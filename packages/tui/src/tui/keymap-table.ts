/**
 * The one keymap table of the TUI: every binding of every context, with the
 * words the footer and the help screen show for it. Its logic (resolveKey,
 * footerText, helpSections) is keymap.ts, so a key cannot be handled without
 * being documented, or the other way round. A new key is one row here.
 */
import type { Key } from "ink";

/** Where the keyboard focus is; each context has its own bindings. */
export type KeyContext = "list" | "filter" | "form" | "dialog" | "help" | "switcher" | "message";

export type Command =
  // lists
  | "down"
  | "up"
  | "top"
  | "bottom"
  | "pageDown"
  | "pageUp"
  | "nextList"
  | "showMembers"
  | "showInvites"
  | "filter"
  | "sort"
  | "reverseSort"
  | "clearFilter"
  | "invite"
  | "resend"
  | "copyLink"
  | "delete"
  | "dismiss"
  | "switchOrg"
  | "help"
  | "quit"
  // filter line
  | "filterDone"
  // forms (invite, setup)
  | "nextField"
  | "prevField"
  | "prevOption"
  | "nextOption"
  | "submit"
  | "cancel"
  // confirm dialog
  | "toggleButton"
  | "confirm"
  // org switcher
  | "choose"
  // full-screen messages (start-up errors)
  | "close"
  // anywhere
  | "forceQuit";

type KeyName = Exclude<keyof Key, "eventType">;

/** One way of pressing a binding: a typed character, a named key, or both. */
export interface KeySpec {
  input?: string;
  key?: KeyName;
  ctrl?: boolean;
  shift?: boolean;
}

export interface Binding {
  command: Command;
  contexts: readonly KeyContext[];
  keys: readonly KeySpec[];
  /** How the keys are written in the footer and the help screen. */
  label: string;
  /** What the key does, for the help screen. */
  description: string;
  /** Short word for the footer; bindings without one appear only in help. */
  hint?: string;
  /** Keys as the footer writes them, when shorter than `label`. */
  hintLabel?: string;
  /** Always in the footer (at its end), however narrow the terminal. */
  pinned?: boolean;
  /** When the footer is too narrow for every hint, lower numbers stay (default 5). */
  priority?: number;
}

const LIST: readonly KeyContext[] = ["list"];

export const KEYMAP: readonly Binding[] = [
  // ------------------------------------------------------------------ lists
  {
    command: "down",
    contexts: ["list", "switcher", "help"],
    keys: [{ input: "j" }, { key: "downArrow" }],
    label: "j/↓",
    description: "Move down",
    hint: "move",
    hintLabel: "j/k",
    priority: 9,
  },
  {
    command: "up",
    contexts: ["list", "switcher", "help"],
    keys: [{ input: "k" }, { key: "upArrow" }],
    label: "k/↑",
    description: "Move up",
  },
  {
    command: "top",
    contexts: LIST,
    keys: [{ input: "g" }, { key: "home" }],
    label: "g/Home",
    description: "Go to the first row",
  },
  {
    command: "bottom",
    contexts: LIST,
    keys: [{ input: "G" }, { key: "end" }],
    label: "G/End",
    description: "Go to the last row",
  },
  {
    command: "pageDown",
    contexts: LIST,
    keys: [{ key: "pageDown" }, { input: "f", ctrl: true }],
    label: "PgDn",
    description: "Scroll one page down",
  },
  {
    command: "pageUp",
    contexts: LIST,
    keys: [{ key: "pageUp" }, { input: "b", ctrl: true }],
    label: "PgUp",
    description: "Scroll one page up",
  },
  {
    command: "nextList",
    contexts: LIST,
    keys: [{ key: "tab" }],
    label: "Tab",
    description: "Switch between Members and Invitations",
    hint: "switch",
  },
  {
    command: "showMembers",
    contexts: LIST,
    keys: [{ input: "1" }],
    label: "1",
    description: "Show Members",
  },
  {
    command: "showInvites",
    contexts: LIST,
    keys: [{ input: "2" }],
    label: "2",
    description: "Show Invitations",
  },
  {
    command: "filter",
    contexts: LIST,
    keys: [{ input: "/" }],
    label: "/",
    description: "Filter the lists by email or name",
    hint: "filter",
    priority: 3,
  },
  {
    command: "sort",
    contexts: LIST,
    keys: [{ input: "s" }],
    label: "s",
    description:
      "Sort the list by the next column (email, name, role/status, joined/expires, delivery)",
    hint: "sort",
    priority: 7,
  },
  {
    command: "reverseSort",
    contexts: LIST,
    keys: [{ input: "S" }],
    label: "S",
    description: "Reverse the list's sort",
  },
  {
    command: "clearFilter",
    contexts: ["list", "filter"],
    keys: [{ key: "escape" }],
    label: "Esc",
    description: "Clear the filter",
    hint: "clear filter",
    priority: 9,
  },
  {
    command: "invite",
    contexts: LIST,
    keys: [{ input: "i" }],
    label: "i",
    description: "Invite someone by email",
    hint: "invite",
    priority: 1,
  },
  {
    command: "resend",
    contexts: LIST,
    keys: [{ input: "r" }],
    label: "r",
    description: "Resend the selected invitation",
    hint: "resend",
    priority: 2,
  },
  {
    command: "copyLink",
    contexts: LIST,
    keys: [{ input: "y" }],
    label: "y",
    description: "Copy the selected invitation's activation link (OSC 52), when the daemon gave it",
  },
  {
    command: "delete",
    contexts: LIST,
    keys: [{ input: "d" }, { input: "x" }],
    label: "d/x",
    description: "Withdraw the selected invitation or remove the selected member",
    hint: "withdraw/remove",
    priority: 1,
    hintLabel: "d",
  },
  {
    command: "dismiss",
    contexts: LIST,
    keys: [{ input: "c" }],
    label: "c",
    description: "Clear the message line and dismiss refused offline actions",
  },
  {
    command: "switchOrg",
    contexts: LIST,
    keys: [{ input: "o" }],
    label: "o",
    description: "Switch organization",
    hint: "org",
    priority: 6,
  },
  {
    command: "help",
    contexts: ["list", "help"],
    keys: [{ input: "?" }],
    label: "?",
    description: "Show or hide this help",
    hint: "help",
    pinned: true,
  },
  {
    command: "quit",
    contexts: LIST,
    keys: [{ input: "q" }],
    label: "q",
    description: "Quit (asks first while actions are not sent yet)",
    hint: "quit",
    pinned: true,
  },
  // ------------------------------------------------------------ filter line
  {
    command: "filterDone",
    contexts: ["filter"],
    keys: [{ key: "return" }, { key: "downArrow" }],
    label: "Enter",
    description: "Keep the filter and go back to the list",
    hint: "keep filter",
  },
  // ------------------------------------------------------------------ forms
  {
    command: "nextField",
    contexts: ["form"],
    keys: [{ key: "tab" }, { key: "downArrow" }],
    label: "Tab/↓",
    description: "Next field",
    hint: "next field",
  },
  {
    command: "prevField",
    contexts: ["form"],
    keys: [{ key: "tab", shift: true }, { key: "upArrow" }],
    label: "Shift-Tab/↑",
    description: "Previous field",
  },
  {
    command: "prevOption",
    contexts: ["form"],
    keys: [{ key: "leftArrow" }],
    label: "←",
    description: "Previous role (on the role field)",
  },
  {
    command: "nextOption",
    contexts: ["form"],
    keys: [{ key: "rightArrow" }, { input: " " }],
    label: "→/Space",
    description: "Next role (on the role field)",
  },
  {
    command: "submit",
    contexts: ["form"],
    keys: [{ key: "return" }],
    label: "Enter",
    description: "Submit the form",
    hint: "submit",
  },
  {
    command: "cancel",
    contexts: ["form", "dialog", "switcher", "help"],
    keys: [{ key: "escape" }],
    label: "Esc",
    description: "Cancel / close",
    hint: "cancel",
  },
  // --------------------------------------------------------- confirm dialog
  {
    command: "toggleButton",
    contexts: ["dialog"],
    keys: [
      { key: "tab" },
      { key: "leftArrow" },
      { key: "rightArrow" },
      { input: "h" },
      { input: "l" },
    ],
    label: "Tab/←/→",
    description: "Move between Cancel and the action",
    hint: "choose",
  },
  {
    command: "confirm",
    contexts: ["dialog"],
    keys: [{ key: "return" }],
    label: "Enter",
    description: "Press the highlighted button (Cancel by default)",
    hint: "press",
  },
  {
    command: "cancel",
    contexts: ["dialog"],
    keys: [{ input: "n" }, { input: "q" }],
    label: "n",
    description: "Cancel",
  },
  // ----------------------------------------------------------- org switcher
  {
    command: "choose",
    contexts: ["switcher"],
    keys: [{ key: "return" }],
    label: "Enter",
    description: "Open the highlighted organization",
    hint: "open",
  },
  {
    command: "close",
    contexts: ["message"],
    keys: [{ key: "return" }, { key: "escape" }, { input: "q" }],
    label: "Enter/q",
    description: "Leave a start-up message (quits)",
    hint: "quit",
  },
  {
    command: "help",
    contexts: ["help"],
    keys: [{ input: "q" }],
    label: "q",
    description: "Close help",
  },
  // -------------------------------------------------------------- anywhere
  {
    command: "forceQuit",
    contexts: ["list", "filter", "form", "dialog", "help", "switcher", "message"],
    keys: [{ input: "c", ctrl: true }],
    label: "Ctrl-C",
    description: "Quit from anywhere",
  },
];

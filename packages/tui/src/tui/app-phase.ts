/**
 * The app before (or instead of) the org screen — connecting, first-time
 * setup, the org picker, a start-up error — as pure steps like
 * modal-keys.ts: the phase after a key, and at most one effect, as data,
 * for components/app.tsx to carry out. Also the boot's words, and which org
 * a session opens.
 */
import type { Key } from "ink";
import { parseEmail } from "@roster/core";
import { RosterUnreachableError } from "@roster/core/client";
import { emptySetupForm, SETUP_FIELDS, setupFieldError, type SetupFormState } from "./forms.ts";
import { resolveKey, type KeyContext } from "./keymap.ts";
import type { AppResult, OrgChoice, OwnedEngine, Session } from "./ports.ts";
import type { SortPrefs } from "@roster/core";
import { editField } from "./text-edit.ts";

export type Phase =
  /** Connecting, starting a daemon, opening an org: what is going on. */
  | { type: "boot"; text: string }
  /** Nothing is set up on the daemon: the first org and its owner. */
  | { type: "setup"; form: SetupFormState }
  /** Which of the user's orgs to open. */
  | {
      type: "pick";
      session: Session;
      cursor: number;
      offline: boolean;
      /** The org asked for (--org, ROSTER_ORG, config) when it is not one of the user's. */
      notFound?: string;
    }
  /** The org screen, on an engine the app owns. */
  | {
      type: "org";
      session: Session;
      engine: OwnedEngine;
      orgName: string;
      /** The lists' sort as last chosen (defaults when absent). */
      sort?: SortPrefs;
    }
  /** A start-up error: any key quits with `code`. */
  | { type: "fatal"; text: string; code: number };

export type AppEffect =
  /** Quit with this result. */
  | { type: "finish"; result: AppResult }
  /** A key typed while connecting: keep it for the org screen. */
  | { type: "keep" }
  /** Create the org and its first owner (the form is busy meanwhile). */
  | { type: "setup"; form: SetupFormState; request: { org: string; email: string; name?: string } }
  | { type: "openOrg"; session: Session; org: OrgChoice };

export interface AppStep {
  /** The phase after the key: the same object when the key changed nothing. */
  phase: Phase;
  effect?: AppEffect;
}

/** Where the keys go: the keymap's context, or null once the org screen takes them. */
export function phaseContext(p: Phase): KeyContext | null {
  switch (p.type) {
    case "setup":
      return "form";
    case "pick":
      return "switcher";
    case "org":
      return null;
    case "boot":
    case "fatal":
      return "message";
  }
}

/**
 * One key press in any phase but the org screen's. While connecting, keys
 * are kept for the org screen, except Ctrl-C and a first key that quits
 * (`typedAhead`: how many keys are kept so far).
 */
export function appKeyStep(
  phase: Phase,
  input: string,
  key: Partial<Key>,
  typedAhead: number,
): AppStep {
  const context = phaseContext(phase);
  if (context === null) return { phase };
  const cmd = resolveKey(context, input, key);
  if (phase.type === "boot") {
    const quits = cmd === "forceQuit" || (cmd === "close" && typedAhead === 0);
    if (!quits) return { phase, effect: { type: "keep" } };
  }
  if (phase.type === "setup" && !phase.form.busy) {
    const f = phase.form;
    const field = SETUP_FIELDS[f.field].key;
    const next = editField({ value: f[field], cursor: f.cursor }, input, key);
    if (next.value !== f[field] || next.cursor !== f.cursor) {
      return {
        phase: {
          ...phase,
          form: { ...f, [field]: next.value, cursor: next.cursor, error: undefined },
        },
      };
    }
  }
  if (cmd === "forceQuit" || cmd === "close") {
    const result = phase.type === "fatal" ? { code: phase.code, message: phase.text } : { code: 0 };
    return { phase, effect: { type: "finish", result } };
  }
  if (phase.type === "setup") return setupStep(phase.form, cmd) ?? { phase };
  if (phase.type === "pick") {
    const n = phase.session.orgs.length;
    if (cmd === "down") return { phase: { ...phase, cursor: Math.min(n - 1, phase.cursor + 1) } };
    if (cmd === "up") return { phase: { ...phase, cursor: Math.max(0, phase.cursor - 1) } };
    if (cmd === "cancel") return { phase, effect: { type: "finish", result: { code: 0 } } };
    const org = phase.session.orgs[phase.cursor];
    if (cmd === "choose" && org) {
      return { phase, effect: { type: "openOrg", session: phase.session, org } };
    }
  }
  return { phase };
}

/** A command in the setup form; undefined when it does nothing. */
function setupStep(f: SetupFormState, cmd: string | undefined): AppStep | undefined {
  if (f.busy) return undefined;
  if (cmd === "cancel") {
    const result = { code: 0, message: "Setup cancelled: nothing was created." };
    return { phase: { type: "setup", form: f }, effect: { type: "finish", result } };
  }
  // Moving to another field takes the error with it: it was about the field left.
  const focus = (field: number): AppStep => {
    const i = ((field % 3) + 3) % 3;
    const cursor = f[SETUP_FIELDS[i]!.key].length;
    return {
      phase: { type: "setup", form: { ...f, field: i as 0 | 1 | 2, cursor, error: undefined } },
    };
  };
  if (cmd === "nextField") return focus(f.field + 1);
  if (cmd === "prevField") return focus(f.field - 1);
  if (cmd !== "submit") return undefined;
  // Enter checks the field it is on, and stays there with the message when it is wrong.
  const error = setupFieldError(f, f.field);
  if (error !== undefined) return { phase: { type: "setup", form: { ...f, error } } };
  if (f.field < SETUP_FIELDS.length - 1) return focus(f.field + 1);
  return submitSetup(f);
}

/** The last field's Enter: every field checked, then the form is sent. */
function submitSetup(form: SetupFormState): AppStep {
  for (const field of [0, 1, 2] as const) {
    const error = setupFieldError(form, field);
    if (error !== undefined) {
      const cursor = form[SETUP_FIELDS[field].key].length;
      return { phase: { type: "setup", form: { ...form, field, cursor, error } } };
    }
  }
  const email = parseEmail(form.email);
  if (!email.ok) return { phase: { type: "setup", form } };
  const org = form.org.trim();
  const name = form.name.trim();
  const request = name === "" ? { org, email: email.value } : { org, email: email.value, name };
  return {
    phase: { type: "setup", form: { ...form, busy: true, error: undefined } },
    effect: { type: "setup", form, request },
  };
}

// ---------------------------------------------------------------- boot

export const connectingPhase = (url: string): Phase => ({
  type: "boot",
  text: `Connecting to the Roster daemon at ${url}…`,
});

export const setupPhase = (): Phase => ({ type: "setup", form: emptySetupForm() });

/** The boot message while a daemon is started for `url`. */
export function startingDaemonPhase(url: string, isNew: boolean, logPath?: string): Phase {
  return {
    type: "boot",
    text:
      `No daemon answers at ${url}: starting one in the background…` +
      (isNew ? "\nIts first start creates its database, which takes a few seconds." : "") +
      (logPath ? `\nIts log: ${logPath}` : ""),
  };
}

export function unreachablePhase(url: string, startError: string | undefined): Phase {
  return {
    type: "fatal",
    code: 3,
    text:
      `Cannot reach the Roster daemon at ${url}.` +
      (startError
        ? `\nStarting one failed: ${startError}`
        : "\nStart one with `pnpm roster daemon`, or point ROSTER_URL at a running daemon."),
  };
}

export function noTokenPhase(url: string): Phase {
  return {
    type: "fatal",
    code: 1,
    text:
      `The daemon at ${url} is already set up, and this computer has no API token for it.\n` +
      "Accept your invitation with `pnpm roster accept <link>`, or set ROSTER_TOKEN.",
  };
}

export function tokenRefusedPhase(url: string): Phase {
  return {
    type: "fatal",
    code: 1,
    text: `The daemon at ${url} does not accept this computer's API token.\nSign in again with \`pnpm roster accept <link>\` or set ROSTER_TOKEN.`,
  };
}

/** A start-up failure: unreachable (exit code 3) or anything else (1). */
export function failedPhase(e: unknown): Phase {
  return { type: "fatal", code: e instanceof RosterUnreachableError ? 3 : 1, text: errorText(e) };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function findOrg(orgs: readonly OrgChoice[], key: string | undefined): OrgChoice | undefined {
  if (key === undefined || key.trim() === "") return undefined;
  return (
    orgs.find((o) => o.id === key) ??
    orgs.find((o) => o.name.toLowerCase() === key.trim().toLowerCase())
  );
}

/**
 * Which org a session opens: the one asked for (`wanted`: an id or a name),
 * else the only one; otherwise the picker (or an error without any org).
 */
export function sessionStart(
  session: Session,
  wanted: string | undefined,
  offline: boolean,
): { open: OrgChoice } | { phase: Phase } {
  const asked = wanted?.trim() ? wanted.trim() : undefined;
  // An org asked for by name that is not the user's is never swapped for another in silence.
  const chosen =
    findOrg(session.orgs, asked) ??
    (asked === undefined && session.orgs.length === 1 ? session.orgs[0] : undefined);
  if (chosen) return { open: chosen };
  if (session.orgs.length === 0) {
    return {
      phase: {
        type: "fatal",
        code: 1,
        text: `You (${session.user.email}) are not a member of any organization on ${session.url}.`,
      },
    };
  }
  const pick: Phase = { type: "pick", session, cursor: 0, offline };
  return { phase: asked === undefined ? pick : { ...pick, notFound: asked } };
}

import { RosterUnreachableError } from "@roster/core/client";
import type { Key } from "ink";
import { describe, expect, it } from "vitest";
import {
  appKeyStep,
  connectingPhase,
  failedPhase,
  phaseContext,
  sessionStart,
  startingDaemonPhase,
  unreachablePhase,
  type Phase,
} from "./app-phase.ts";
import { emptySetupForm, type SetupFormState } from "./forms.ts";
import type { Session } from "./ports.ts";

const ENTER: Partial<Key> = { return: true };
const TAB: Partial<Key> = { tab: true };
const ESC: Partial<Key> = { escape: true };

/** Type each character, then press each key, keeping the phase; the last step is returned. */
function run(phase: Phase, presses: (string | Partial<Key>)[], typedAhead = 0) {
  let step = { phase } as ReturnType<typeof appKeyStep>;
  for (const p of presses) {
    step =
      typeof p === "string"
        ? appKeyStep(step.phase, p, {}, typedAhead)
        : appKeyStep(step.phase, "", p, typedAhead);
  }
  return step;
}

const setup = (form: Partial<SetupFormState> = {}): Phase => ({
  type: "setup",
  form: { ...emptySetupForm(), ...form },
});

const session = (orgs: { id: string; name: string }[]): Session => ({
  url: "http://127.0.0.1:8086",
  token: "t",
  user: { id: "u1", email: "olive@example.com", name: "Olive" },
  orgs,
});

describe("app phases: where the keys go", () => {
  it("maps each phase to its keymap context; the org screen takes its own keys", () => {
    expect(phaseContext(connectingPhase("http://x"))).toBe("message");
    expect(phaseContext(setup())).toBe("form");
    expect(phaseContext({ type: "pick", session: session([]), cursor: 0, offline: false })).toBe(
      "switcher",
    );
    expect(phaseContext({ type: "fatal", code: 1, text: "no" })).toBe("message");
  });
});

describe("app phases: connecting", () => {
  const boot = connectingPhase("http://x");

  it("keeps keys for the org screen, the same phase", () => {
    expect(appKeyStep(boot, "i", {}, 0)).toEqual({ phase: boot, effect: { type: "keep" } });
    expect(appKeyStep(boot, "", TAB, 3)).toEqual({ phase: boot, effect: { type: "keep" } });
  });

  it("quits on Ctrl-C, and on q only when it is the first key", () => {
    const quit = { type: "finish", result: { code: 0 } };
    expect(appKeyStep(boot, "c", { ctrl: true }, 5).effect).toEqual(quit);
    expect(appKeyStep(boot, "q", {}, 0).effect).toEqual(quit);
    expect(appKeyStep(boot, "q", {}, 1).effect).toEqual({ type: "keep" });
  });
});

describe("app phases: first-time setup", () => {
  it("types into the focused field, which clears the error", () => {
    const { phase } = run(setup({ error: "Give your organization a name." }), ["A", "c", "m", "e"]);
    expect(phase).toEqual(setup({ org: "Acme", cursor: 4 }));
  });

  it("Tab and Shift-Tab move between fields (wrapping), the cursor at the end, the error gone", () => {
    const start = setup({ org: "Acme", email: "a@b.co", cursor: 0, error: "x" });
    expect(run(start, [TAB]).phase).toEqual(
      setup({ org: "Acme", email: "a@b.co", field: 1, cursor: 6 }),
    );
    expect(run(start, [{ tab: true, shift: true }]).phase).toEqual(
      setup({ org: "Acme", email: "a@b.co", field: 2, cursor: 0 }),
    );
  });

  it("Enter on a wrong field stays there with the message; on a right one moves on", () => {
    expect(run(setup(), [ENTER]).phase).toEqual(setup({ error: "Give your organization a name." }));
    expect(run(setup(), ["A", ENTER]).phase).toEqual(setup({ org: "A", field: 1, cursor: 0 }));
  });

  it("Enter on the last field checks every field, then sends the form (busy meanwhile)", () => {
    const wrong = setup({ org: "Acme", email: "nope", field: 2 });
    const refused = run(wrong, [ENTER]).phase;
    expect(refused).toMatchObject({ type: "setup", form: { field: 1, cursor: 4 } });
    expect(refused.type === "setup" && refused.form.error).toMatch(/email/i);

    const form = {
      ...emptySetupForm(),
      org: " Acme ",
      email: "Olive@Example.com",
      field: 2 as const,
    };
    expect(run({ type: "setup", form }, [ENTER])).toEqual({
      phase: { type: "setup", form: { ...form, busy: true, error: undefined } },
      effect: { type: "setup", form, request: { org: "Acme", email: "olive@example.com" } },
    });
    const named = { ...form, name: " Olive " };
    expect(run({ type: "setup", form: named }, [ENTER]).effect).toMatchObject({
      request: { org: "Acme", email: "olive@example.com", name: "Olive" },
    });
  });

  it("names must be printable (R15, core's rule): a bidi override or a control character is refused locally, with the daemon's words", () => {
    const org = run(setup(), ["A", "\u202E", "b", ENTER]).phase;
    expect(org).toMatchObject({ type: "setup", form: { field: 0 } });
    expect(org.type === "setup" && org.form.error).toBe(
      "The organization name contains a bidirectional override (U+202E). Names must be printable text.",
    );
    const form = {
      ...emptySetupForm(),
      org: "Acme",
      email: "a@b.co",
      name: "Ol\u0007ive",
      field: 2 as const,
    };
    const step = run({ type: "setup", form }, [ENTER]);
    expect(step.effect).toBeUndefined();
    expect(step.phase).toMatchObject({ type: "setup", form: { field: 2 } });
    expect(step.phase.type === "setup" && step.phase.form.error).toBe(
      "The user name contains a control character (U+0007). Names must be printable text.",
    );
  });

  it("ignores keys while the form is sent, but Ctrl-C still quits", () => {
    const busy = setup({ org: "Acme", busy: true });
    expect(run(busy, ["x", TAB, ENTER, ESC])).toEqual({ phase: busy });
    expect(appKeyStep(busy, "c", { ctrl: true }, 0).effect).toEqual({
      type: "finish",
      result: { code: 0 },
    });
  });

  it("Esc cancels: nothing was created", () => {
    expect(run(setup({ org: "Acme" }), [ESC]).effect).toEqual({
      type: "finish",
      result: { code: 0, message: "Setup cancelled: nothing was created." },
    });
  });
});

describe("app phases: org picker", () => {
  const s = session([
    { id: "o1", name: "Alpha" },
    { id: "o2", name: "Beta" },
  ]);
  const pick: Phase = { type: "pick", session: s, cursor: 0, offline: false };

  it("moves the cursor within the list and opens the org under it", () => {
    expect(run(pick, ["j", "j", "j"]).phase).toEqual({ ...pick, cursor: 1 });
    expect(run(pick, ["j", "k", "k"]).phase).toEqual(pick);
    const step = run(pick, ["j", ENTER]);
    expect(step.effect).toEqual({ type: "openOrg", session: s, org: { id: "o2", name: "Beta" } });
  });

  it("Esc quits", () => {
    expect(run(pick, [ESC]).effect).toEqual({ type: "finish", result: { code: 0 } });
  });
});

describe("app phases: a start-up error", () => {
  it("Enter or q quits with its code and words", () => {
    const fatal: Phase = { type: "fatal", code: 3, text: "Cannot reach it." };
    for (const p of [ENTER, "q"]) {
      expect(run(fatal, [p]).effect).toEqual({
        type: "finish",
        result: { code: 3, message: "Cannot reach it." },
      });
    }
  });

  it("says why, with the exit code of the CLI", () => {
    expect(failedPhase(new RosterUnreachableError("http://x", "refused"))).toMatchObject({
      type: "fatal",
      code: 3,
    });
    expect(failedPhase(new Error("boom"))).toEqual({ type: "fatal", code: 1, text: "boom" });
    expect(unreachablePhase("http://x", "port in use")).toEqual({
      type: "fatal",
      code: 3,
      text: "Cannot reach the Roster daemon at http://x.\nStarting one failed: port in use",
    });
    expect(startingDaemonPhase("http://x", true, "/d/daemon.log")).toEqual({
      type: "boot",
      text:
        "No daemon answers at http://x: starting one in the background…\n" +
        "Its first start creates its database, which takes a few seconds.\nIts log: /d/daemon.log",
    });
  });
});

describe("app phases: which org a session opens", () => {
  const alpha = { id: "o1", name: "Alpha" };
  const beta = { id: "o2", name: "Beta" };

  it("the one asked for, by id or by name; else the only one", () => {
    expect(sessionStart(session([alpha, beta]), "o2", false)).toEqual({ open: beta });
    expect(sessionStart(session([alpha, beta]), " beta ", false)).toEqual({ open: beta });
    expect(sessionStart(session([alpha]), undefined, false)).toEqual({ open: alpha });
  });

  it("the picker when several fit, saying so when the one asked for is not the user's", () => {
    const s = session([alpha, beta]);
    expect(sessionStart(s, "", true)).toEqual({
      phase: { type: "pick", session: s, cursor: 0, offline: true },
    });
    const one = session([alpha]);
    expect(sessionStart(one, "Gamma", false)).toEqual({
      phase: { type: "pick", session: one, cursor: 0, offline: false, notFound: "Gamma" },
    });
  });

  it("an error without any org", () => {
    expect(sessionStart(session([]), undefined, false)).toEqual({
      phase: {
        type: "fatal",
        code: 1,
        text: "You (olive@example.com) are not a member of any organization on http://127.0.0.1:8086.",
      },
    });
  });
});

import { ROLES, type ActionInput } from "@roster/core";
import { describe, expect, it } from "vitest";
import { emptyInviteForm, type InviteFormState } from "./forms.ts";
import { helpLines } from "./help-lines.ts";
import type { Command } from "./keymap.ts";
import {
  inviteFormStep,
  inviteRefused,
  modalKeyStep,
  typeIntoInvite,
  type Modal,
  type ModalKeyContext,
} from "./modal-keys.ts";

const ctx = (over: Partial<ModalKeyContext> = {}): ModalKeyContext => ({
  height: 10,
  currentOrgID: "org-a",
  hasUnsent: () => false,
  ...over,
});

const cancelled = { type: "message", message: { kind: "info", text: "Cancelled." } };

/** Apply commands one after another, keeping the dialog open. */
function run(m: Modal, cmds: Command[], c = ctx()): Modal {
  let at = m;
  for (const cmd of cmds) {
    const step = modalKeyStep(at, cmd, c);
    if (step.modal === null) throw new Error(`${cmd} closed the dialog`);
    at = step.modal;
  }
  return at;
}

describe("modal keys: every dialog", () => {
  it("forceQuit quits from any dialog, leaving it as it is", () => {
    const dialogs: Modal[] = [
      { type: "help", offset: 2 },
      { type: "invite", form: emptyInviteForm() },
      { type: "quit", focused: 1 },
      { type: "switcher", orgs: [{ id: "org-a", name: "A" }], cursor: 0 },
    ];
    for (const m of dialogs) {
      expect(modalKeyStep(m, "forceQuit", ctx())).toEqual({ modal: m, effect: { type: "quit" } });
    }
  });
});

describe("modal keys: help", () => {
  const help: Modal = { type: "help", offset: 0 };

  it("scrolls down and up, clamped to the lines that do not fit", () => {
    // 6 lines for the help: a title and 5 lines of keys.
    const max = helpLines().length - 5;
    expect(max).toBeGreaterThan(1);
    expect(run(help, ["down"], ctx({ height: 6 }))).toEqual({ type: "help", offset: 1 });
    const down = Array<Command>(max + 5).fill("down");
    expect(run(help, down, ctx({ height: 6 }))).toEqual({ type: "help", offset: max });
    expect(run(help, [...down, "up"], ctx({ height: 6 }))).toEqual({
      type: "help",
      offset: max - 1,
    });
    expect(run(help, ["up"], ctx({ height: 6 }))).toEqual({ type: "help", offset: 0 });
  });

  it("does not scroll when every line fits", () => {
    expect(run(help, ["down", "down"], ctx({ height: 1000 }))).toEqual(help);
  });

  it("closes on Esc and on ?, with no effect", () => {
    expect(modalKeyStep(help, "cancel", ctx())).toEqual({ modal: null });
    expect(modalKeyStep(help, "help", ctx())).toEqual({ modal: null });
  });

  it("ignores other commands (the same dialog, not a copy)", () => {
    expect(modalKeyStep(help, "confirm", ctx()).modal).toBe(help);
  });
});

describe("modal keys: confirm", () => {
  const input: ActionInput = { type: "withdraw", inviteID: "inv-1" };
  const confirm = (focused: 0 | 1): Modal => ({
    type: "confirm",
    input,
    target: "a@x.io",
    title: "Withdraw invitation",
    body: "Withdraw?",
    label: "Withdraw Invitation",
    focused,
  });

  it("Tab toggles the focused button", () => {
    expect(run(confirm(0), ["toggleButton"])).toEqual(confirm(1));
    expect(run(confirm(1), ["toggleButton"])).toEqual(confirm(0));
  });

  it("Esc closes it and says Cancelled", () => {
    expect(modalKeyStep(confirm(1), "cancel", ctx())).toEqual({ modal: null, effect: cancelled });
  });

  it("Enter on Cancel closes it and says Cancelled", () => {
    expect(modalKeyStep(confirm(0), "confirm", ctx())).toEqual({ modal: null, effect: cancelled });
  });

  it("Enter on the action closes it and submits the action", () => {
    expect(modalKeyStep(confirm(1), "confirm", ctx())).toEqual({
      modal: null,
      effect: { type: "submit", input, target: "a@x.io" },
    });
  });

  it("ignores other commands", () => {
    const m = confirm(0);
    expect(modalKeyStep(m, "down", ctx())).toEqual({ modal: m });
  });
});

describe("modal keys: quit", () => {
  const other = { id: "org-b", name: "B" };

  it("Tab toggles between Stay and the action", () => {
    expect(run({ type: "quit", focused: 0 }, ["toggleButton"])).toEqual({
      type: "quit",
      focused: 1,
    });
    expect(run({ type: "quit", focused: 1, switchTo: other }, ["toggleButton"])).toEqual({
      type: "quit",
      focused: 0,
      switchTo: other,
    });
  });

  it("Esc, or Enter on Stay, just closes it", () => {
    expect(modalKeyStep({ type: "quit", focused: 1 }, "cancel", ctx())).toEqual({ modal: null });
    expect(modalKeyStep({ type: "quit", focused: 0 }, "confirm", ctx())).toEqual({ modal: null });
    expect(modalKeyStep({ type: "quit", focused: 0, switchTo: other }, "confirm", ctx())).toEqual({
      modal: null,
    });
  });

  it("Enter on Quit anyway quits", () => {
    expect(modalKeyStep({ type: "quit", focused: 1 }, "confirm", ctx())).toEqual({
      modal: null,
      effect: { type: "quit" },
    });
  });

  it("Enter on Switch anyway opens the other org", () => {
    expect(modalKeyStep({ type: "quit", focused: 1, switchTo: other }, "confirm", ctx())).toEqual({
      modal: null,
      effect: { type: "openOrg", orgID: "org-b" },
    });
  });
});

describe("modal keys: invite form", () => {
  const invite = (form: Partial<InviteFormState> = {}): Modal => ({
    type: "invite",
    form: { ...emptyInviteForm(), ...form },
  });

  it("Tab and Shift+Tab switch between email and role", () => {
    expect(run(invite(), ["nextField"])).toEqual(invite({ field: 1 }));
    expect(run(invite(), ["nextField", "nextField"])).toEqual(invite({ field: 0 }));
    expect(run(invite(), ["prevField"])).toEqual(invite({ field: 1 }));
    expect(run(invite({ field: 1 }), ["prevField"])).toEqual(invite({ field: 0 }));
  });

  it("cycles the role only while the role field has the focus", () => {
    const onEmail = invite({ email: "a@x.io", cursor: 6 });
    expect(modalKeyStep(onEmail, "nextOption", ctx()).modal).toBe(onEmail);
    expect(modalKeyStep(onEmail, "prevOption", ctx()).modal).toBe(onEmail);
    const f: InviteFormState = { ...emptyInviteForm(), field: 1 };
    const next = inviteFormStep(f, "nextOption");
    expect(next).not.toBe(f);
    expect(next).toEqual({ ...f, role: ROLES[1 % ROLES.length] });
    expect(inviteFormStep(f, "prevOption")).toEqual({
      ...f,
      role: ROLES[(ROLES.length - 1) % ROLES.length],
    });
    // Around the whole list and back.
    let at = f;
    for (let i = 0; i < ROLES.length; i++) at = inviteFormStep(at, "nextOption");
    expect(at.role).toBe(f.role);
  });

  it("leaves the form alone on keys that are not its own", () => {
    const f = emptyInviteForm();
    expect(inviteFormStep(f, "down")).toBe(f);
    expect(inviteFormStep(f, "submit")).toBe(f);
  });

  it("Esc closes it", () => {
    expect(modalKeyStep(invite({ email: "a@x.io" }), "cancel", ctx())).toEqual({ modal: null });
  });

  it("Enter submits the email and role, keeping the form open", () => {
    const m = invite({ email: "a@x.io", cursor: 6, field: 1 });
    expect(modalKeyStep(m, "submit", ctx())).toEqual({
      modal: m,
      effect: { type: "submitInvite", email: "a@x.io", role: ROLES[0] },
    });
  });

  it("a refusal is shown in the form, which stays as it was", () => {
    const m = invite({ email: "a@x", cursor: 3 });
    expect(inviteRefused(m, "Not an email address.")).toEqual(
      invite({ email: "a@x", cursor: 3, error: "Not an email address." }),
    );
    const help: Modal = { type: "help", offset: 0 };
    expect(inviteRefused(help, "x")).toBe(help);
  });

  it("typing edits the email field while it has the focus, and clears the refusal", () => {
    const f: InviteFormState = { ...emptyInviteForm(), email: "a@x", cursor: 3, error: "No." };
    expect(typeIntoInvite(f, "y", {})).toEqual({
      ...f,
      email: "a@xy",
      cursor: 4,
      error: undefined,
    });
    // Moving the cursor keeps the refusal.
    expect(typeIntoInvite(f, "", { leftArrow: true })).toEqual({ ...f, cursor: 2 });
    // Keys that do not edit the field are commands.
    expect(typeIntoInvite(f, "", { return: true })).toBeUndefined();
    expect(typeIntoInvite(f, "", { tab: true })).toBeUndefined();
    expect(typeIntoInvite({ ...f, cursor: 0 }, "", { delete: true })).toBeUndefined();
    // On the role field, letters are not typed anywhere.
    expect(typeIntoInvite({ ...f, field: 1 }, "y", {})).toBeUndefined();
  });
});

describe("modal keys: org switcher", () => {
  const orgs = [
    { id: "org-a", name: "A" },
    { id: "org-b", name: "B" },
    { id: "org-c", name: "C" },
  ];
  const switcher = (cursor: number): Modal => ({ type: "switcher", orgs, cursor });

  it("moves up and down, clamped to the list", () => {
    expect(run(switcher(0), ["down"])).toEqual(switcher(1));
    expect(run(switcher(0), ["down", "down", "down", "down"])).toEqual(switcher(2));
    expect(run(switcher(2), ["up"])).toEqual(switcher(1));
    expect(run(switcher(0), ["up"])).toEqual(switcher(0));
  });

  it("Esc closes it", () => {
    expect(modalKeyStep(switcher(1), "cancel", ctx())).toEqual({ modal: null });
  });

  it("choosing the org on screen just closes it", () => {
    const c = ctx({ hasUnsent: () => true });
    expect(modalKeyStep(switcher(0), "choose", c)).toEqual({ modal: null });
  });

  it("choosing another org opens it", () => {
    expect(modalKeyStep(switcher(2), "choose", ctx())).toEqual({
      modal: null,
      effect: { type: "openOrg", orgID: "org-c" },
    });
  });

  it("choosing another org while actions are unsent asks first", () => {
    const c = ctx({ hasUnsent: () => true });
    expect(modalKeyStep(switcher(1), "choose", c)).toEqual({
      modal: { type: "quit", focused: 0, switchTo: orgs[1] },
    });
  });

  it("asks about unsent actions only when leaving the org", () => {
    let asked = 0;
    const c = ctx({
      hasUnsent: () => {
        asked++;
        return false;
      },
    });
    run(switcher(0), ["down", "up"], c);
    modalKeyStep(switcher(0), "choose", c);
    expect(asked).toBe(0);
    modalKeyStep(switcher(1), "choose", c);
    expect(asked).toBe(1);
  });
});

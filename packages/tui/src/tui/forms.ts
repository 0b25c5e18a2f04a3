/** The state of the invite and setup forms, and what makes a field wrong (the forms draw it). */
import { nameProblem, parseEmail, ROLES, type Role } from "@roster/core";

export interface InviteFormState {
  email: string;
  /** Cursor in the email field. */
  cursor: number;
  role: Role;
  /** 0 = email, 1 = role. */
  field: 0 | 1;
  error?: string;
}

export const emptyInviteForm = (): InviteFormState => ({
  email: "",
  cursor: 0,
  role: ROLES[0],
  field: 0,
});

export function roleLabel(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

export interface SetupFormState {
  org: string;
  email: string;
  name: string;
  field: 0 | 1 | 2;
  /** Cursor in the focused field. */
  cursor: number;
  error?: string;
  busy?: boolean;
}

export const emptySetupForm = (): SetupFormState => ({
  org: "",
  email: "",
  name: "",
  field: 0,
  cursor: 0,
});

export const SETUP_FIELDS = [
  { key: "org", label: "Organization name", placeholder: "e.g. Acme Inc." },
  { key: "email", label: "Your email", placeholder: "e.g. you@example.com" },
  { key: "name", label: "Your name", placeholder: "(optional)" },
] as const;

/**
 * What is wrong with a field, if anything: the org name is required, the
 * email must be one address, and both names must be printable (R15, core's
 * rule, the daemon's words); the user's name is optional.
 */
export function setupFieldError(form: SetupFormState, field: 0 | 1 | 2): string | undefined {
  if (field === 0) {
    if (form.org.trim() === "") return "Give your organization a name.";
    return nameProblem(form.org, "org")?.message;
  }
  if (field === 1) {
    const email = parseEmail(form.email);
    return email.ok ? undefined : email.error.message;
  }
  return nameProblem(form.name, "user")?.message;
}

/** The state of the invite and setup forms, and what makes a field wrong (the forms draw it). */
import { parseEmail, ROLES, type Role } from "@roster/core";

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

/** What is wrong with a required field (org name, email), if anything; the name is optional. */
export function setupFieldError(form: SetupFormState, field: 0 | 1 | 2): string | undefined {
  if (field === 0) return form.org.trim() === "" ? "Give your organization a name." : undefined;
  if (field === 1) {
    const email = parseEmail(form.email);
    return email.ok ? undefined : email.error.message;
  }
  return undefined;
}

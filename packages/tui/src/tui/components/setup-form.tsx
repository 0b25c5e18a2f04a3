/** First run: create the organization and its first owner (you). */
import { parseEmail } from "@roster/core";
import { Box, Text } from "ink";
import { FieldLabel, FormFrame, FormNote } from "./form-parts.tsx";
import { TextField } from "./text-field.tsx";

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

export interface SetupFormProps {
  form: SetupFormState;
  url: string;
  width: number;
}

export function SetupForm({ form, url, width }: SetupFormProps) {
  return (
    <FormFrame width={Math.min(width, 72)}>
      <Text bold>Welcome to Roster</Text>
      <Text wrap="wrap">
        Nothing is set up on the daemon at {url} yet. Create your organization; you become its first
        owner.
      </Text>
      <Box flexDirection="column" marginTop={1}>
        {SETUP_FIELDS.map((f, i) => (
          <Box key={f.key}>
            <FieldLabel label={f.label} focused={form.field === i} width={21} />
            <TextField
              value={form[f.key]}
              cursor={form.field === i ? form.cursor : undefined}
              focus={form.field === i && !form.busy}
              placeholder={f.placeholder}
            />
          </Box>
        ))}
      </Box>
      <FormNote busy={form.busy ? "Creating…" : undefined} error={form.error}>
        <Text dimColor wrap="wrap">
          Enter checks the field and moves on; the last one creates the org.
        </Text>
      </FormNote>
    </FormFrame>
  );
}

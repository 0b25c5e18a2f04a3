/** First run: create the organization and its first owner (you). */
import { SETUP_FIELDS, type SetupFormState } from "../forms.ts";
import { Box, Text } from "ink";
import { FieldLabel, FormFrame, FormNote } from "./form-parts.tsx";
import { TextField } from "./text-field.tsx";

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

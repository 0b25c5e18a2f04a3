/** The invite form: one email address and a role (Owner is the only one today). */
import { ROLES, type Role } from "@roster/core";
import { roleLabel, type InviteFormState } from "../forms.ts";
import { Box, Text } from "ink";
import { FieldLabel, FormFrame, FormNote } from "./form-parts.tsx";
import { TextField } from "./text-field.tsx";

const ROLE_HELP: Record<Role, string> = {
  owner: "Owners do everything: invite, resend, withdraw and remove.",
};

export interface InviteFormProps {
  form: InviteFormState;
  orgName: string;
  width: number;
}

export function InviteForm({ form, orgName, width }: InviteFormProps) {
  return (
    <FormFrame width={Math.min(width, 70)}>
      <Text bold wrap="truncate-end">
        Invite someone to {orgName}
      </Text>
      <Box marginTop={1}>
        <FieldLabel label="Email" focused={form.field === 0} width={8} />
        <TextField
          value={form.email}
          cursor={form.cursor}
          focus={form.field === 0}
          placeholder="e.g. name@example.com"
        />
      </Box>
      <Box>
        <FieldLabel label="Role" focused={form.field === 1} width={8} />
        {ROLES.map((r) => (
          <Text key={r} bold={r === form.role} inverse={form.field === 1 && r === form.role}>
            {r === form.role ? `(•) ${roleLabel(r)}` : `( ) ${roleLabel(r)}`}
          </Text>
        ))}
      </Box>
      {/* Under the role, wrapped rather than cut: it has to read whole at 80 columns. */}
      <Box paddingLeft={8}>
        <Text dimColor wrap="wrap">
          {ROLE_HELP[form.role]}
        </Text>
      </Box>
      <FormNote error={form.error}>
        <Text dimColor>One email address; the invitation link is valid for 72 hours.</Text>
      </FormNote>
    </FormFrame>
  );
}

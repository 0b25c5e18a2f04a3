/** The invite form: one email address and a role (Owner is the only one today). */
import { ROLES, type Role } from "@roster/core";
import { Box, Text } from "ink";
import { TextField } from "./text-field.tsx";
import { useTheme } from "../theme.ts";

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

const ROLE_HELP: Record<Role, string> = {
  owner: "Owners do everything: invite, resend, withdraw and remove.",
};

export interface InviteFormProps {
  form: InviteFormState;
  orgName: string;
  width: number;
}

export function InviteForm({ form, orgName, width }: InviteFormProps) {
  const theme = useTheme();
  const w = Math.min(width, 70);
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={theme.accent}
      width={w}
      paddingX={1}
    >
      <Text bold wrap="truncate-end">
        Invite someone to {orgName}
      </Text>
      <Box marginTop={1}>
        <Box width={8} flexShrink={0}>
          <Text bold={form.field === 0}>{form.field === 0 ? "› " : "  "}Email</Text>
        </Box>
        <TextField
          value={form.email}
          cursor={form.cursor}
          focus={form.field === 0}
          placeholder="e.g. name@example.com"
        />
      </Box>
      <Box>
        <Box width={8} flexShrink={0}>
          <Text bold={form.field === 1}>{form.field === 1 ? "› " : "  "}Role</Text>
        </Box>
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
      <Box marginTop={1}>
        {form.error ? (
          <Text color={theme.error} wrap="wrap">
            ✗ {form.error}
          </Text>
        ) : (
          <Text dimColor>One email address; the invitation link is valid for 72 hours.</Text>
        )}
      </Box>
    </Box>
  );
}

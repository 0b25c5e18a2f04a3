/** The org picker of the start-up screen: whose orgs these are, and the list to open one from. */
import { Box, Text } from "ink";
import type { Session } from "../ports.ts";
import { useTheme } from "../theme.ts";
import { OrgSwitcher } from "./org-switcher.tsx";

export interface OrgPickerProps {
  session: Session;
  cursor: number;
  /** The daemon is not reachable: the orgs are the ones saved at the last start. */
  offline: boolean;
  /** The org asked for when it is not one of the user's. */
  notFound: string | undefined;
  width: number;
  /** Lines of the whole screen. */
  height: number;
}

export function OrgPicker({ session, cursor, offline, notFound, width, height }: OrgPickerProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      {notFound !== undefined ? (
        <Text color={theme.error} wrap="wrap">
          {`✗ You are not a member of an organization "${notFound}". Pick one of yours:`}
        </Text>
      ) : null}
      <Text wrap="wrap">
        {session.user.email} belongs to {session.orgs.length} organization
        {session.orgs.length === 1 ? "" : "s"}
        {offline ? " (offline: the daemon is not reachable)" : ""}.
      </Text>
      <OrgSwitcher
        orgs={session.orgs}
        cursor={cursor}
        currentID={undefined}
        width={width}
        height={height - 4 - (notFound === undefined ? 0 : 2)}
      />
    </Box>
  );
}

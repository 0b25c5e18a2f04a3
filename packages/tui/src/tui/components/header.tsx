/** Top line: org, counts and the connection state; then the list tabs. */
import { Box, Text } from "ink";
import { describeSort, type ListSort } from "@roster/core";
import { connectionText, countsText, type AgeWords, type ConnectionView } from "../format.ts";
import { useTheme } from "../theme.ts";

export interface HeaderProps {
  orgName: string;
  /** False until the first snapshot (or saved lists): the counts are not known yet. */
  synced?: boolean;
  members: number;
  pending: number;
  limit: number;
  connection: ConnectionView;
  width: number;
}

export function Header({
  orgName,
  synced = true,
  members,
  pending,
  limit,
  connection,
  width,
}: HeaderProps) {
  const theme = useTheme();
  const counts = synced ? countsText(members, pending, limit) : `members: ? · pending: ?/${limit}`;
  const title = `Roster · ${orgName}`;
  // Say how old offline data is in as many words as fit beside the whole org name.
  const variants: AgeWords[] = ["long", "short", "none"];
  const fits = (age: AgeWords) =>
    title.length + counts.length + connectionText(connection, age).length + 4 <= width;
  const conn = connectionText(connection, variants.find(fits) ?? "none");
  const connColor =
    connection.state === "live"
      ? theme.ok
      : connection.state === "offline" || connection.state === "revoked"
        ? theme.error
        : theme.warn;
  const nameWidth = Math.max(6, width - counts.length - conn.length - 4);
  return (
    <Box width={width} justifyContent="space-between">
      <Box width={nameWidth} flexShrink={1}>
        <Text bold wrap="truncate-end">
          {title}
        </Text>
      </Box>
      <Box flexShrink={0}>
        <Text>{counts}</Text>
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text color={connColor} bold>
          {conn}
        </Text>
      </Box>
    </Box>
  );
}

export type ListName = "members" | "invites";

export interface TabsProps {
  active: ListName;
  members: { shown: number; total: number };
  invites: { shown: number; total: number };
  filter: string;
  /** The active list's sort, shown at the right ("sort: email ↑"). */
  sort?: ListSort;
  position: string;
  width: number;
}

function count(c: { shown: number; total: number }): string {
  return c.shown === c.total ? `${c.total}` : `${c.shown}/${c.total}`;
}

export function Tabs({ active, members, invites, filter, sort, position, width }: TabsProps) {
  const theme = useTheme();
  const tab = (name: ListName, key: string, label: string, c: { shown: number; total: number }) => {
    const on = active === name;
    const text = `${key} ${label} (${count(c)})`;
    return (
      <Text bold={on} inverse={on} color={on ? theme.accent : undefined}>
        {on ? `[${text}]` : ` ${text} `}
      </Text>
    );
  };
  const right = [
    filter !== "" ? `filter: ${filter}` : "",
    sort ? `sort: ${describeSort(sort)}` : "",
    position,
  ]
    .filter((s) => s !== "")
    .join("  ");
  return (
    <Box width={width} justifyContent="space-between">
      <Box flexShrink={0} gap={1}>
        {tab("members", "1", "Members", members)}
        {tab("invites", "2", "Invitations", invites)}
      </Box>
      <Box flexShrink={1} marginLeft={1}>
        <Text dimColor wrap="truncate-start">
          {right}
        </Text>
      </Box>
    </Box>
  );
}

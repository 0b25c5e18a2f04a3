/**
 * The Members and Invitations lists: column titles, then the visible rows, or
 * a line saying why there are none. One list component, set up per list by
 * its columns, row view and empty-state words.
 */
import { Box, Text } from "ink";
import type { ComponentType } from "react";
import {
  activityColumns,
  inviteColumns,
  memberColumns,
  PREFIX_WIDTH,
  type ActivityColumns,
  type InviteColumns,
  type MemberColumns,
} from "../layout.ts";
import type { ActivityItem, InviteItem, MemberItem } from "../screen-model.ts";
import { ActivityRowView, InviteRowView, MemberRowView } from "./rows.tsx";

export interface ListProps<T> {
  rows: T[];
  cursor: number;
  width: number;
  now: number;
  height: number;
  filter: string;
  synced: boolean;
  online: boolean;
}

interface RowProps<T, C> {
  item: T;
  selected: boolean;
  cols: C;
  now: number;
}

/** What makes a list the Members or the Invitations one. */
interface ListSpec<T, C> {
  columns: (width: number) => C;
  /** Column titles with their widths (a width of 0 hides the column). */
  titles: (cols: C) => [string, number][];
  Row: ComponentType<RowProps<T, C>>;
  /** Shown when the filter hides every row. */
  noMatch: string;
  /** Shown when the list is loaded and empty. */
  none: string;
}

function notLoaded(online: boolean): string {
  return online
    ? "Loading…"
    : "Not loaded: the daemon cannot be reached. Actions are queued until it is back.";
}

function Titles({ cells }: { cells: [string, number][] }) {
  return (
    <Box gap={1}>
      <Box width={PREFIX_WIDTH - 1} flexShrink={0} />
      {cells
        .filter(([, w]) => w > 0)
        .map(([t, w]) => (
          <Box key={t} width={w} flexShrink={0}>
            <Text dimColor bold wrap="truncate-end">
              {t}
            </Text>
          </Box>
        ))}
    </Box>
  );
}

function Empty({ text }: { text: string }) {
  return (
    <Box paddingLeft={PREFIX_WIDTH}>
      <Text dimColor>{text}</Text>
    </Box>
  );
}

function listOf<T extends { key: string }, C>(spec: ListSpec<T, C>) {
  const { columns, titles, Row, noMatch, none } = spec;
  return function ItemList({
    rows,
    cursor,
    width,
    now,
    height,
    filter,
    synced,
    online,
  }: ListProps<T>) {
    const cols = columns(width);
    return (
      <Box flexDirection="column" height={height + 1}>
        <Titles cells={titles(cols)} />
        {rows.length === 0 ? (
          <Empty text={!synced ? notLoaded(online) : filter ? noMatch : none} />
        ) : (
          rows.map((r, i) => (
            <Row key={r.key} item={r} selected={i === cursor} cols={cols} now={now} />
          ))
        )}
      </Box>
    );
  };
}

export const MemberList = listOf<MemberItem, MemberColumns>({
  columns: memberColumns,
  titles: (cols) => [
    ["EMAIL", cols.email],
    ["NAME", cols.name],
    ["ROLE", cols.role],
    ["JOINED", cols.joined],
  ],
  Row: MemberRowView,
  noMatch: "No member matches the filter (Esc clears it).",
  none: "No members.",
});

export const InviteList = listOf<InviteItem, InviteColumns>({
  columns: inviteColumns,
  titles: (cols) => [
    ["EMAIL", cols.email],
    ["STATUS", cols.status],
    ["EXPIRES", cols.expiry],
    ["SENDS", cols.sends],
    ["DELIVERY", cols.delivery],
  ],
  Row: InviteRowView,
  noMatch: "No invitation matches the filter (Esc clears it).",
  none: "No open invitations. Press i to invite someone.",
});

export const ActivityList = listOf<ActivityItem, ActivityColumns>({
  columns: activityColumns,
  titles: (cols) => [
    ["WHEN", cols.time],
    ["WHO", cols.actor],
    ["WHAT", cols.what],
    ["WHOM", cols.whom],
  ],
  Row: ActivityRowView,
  noMatch: "No change matches the filter (Esc clears it).",
  none: "No changes yet.",
});

/** One row of the Members or Invitations list. */
import { Box } from "ink";
import { memo } from "react";
import { ago, inviteCells, memberCells } from "../format.ts";
import type { ActivityColumns, InviteColumns, MemberColumns } from "../layout.ts";
import type { ActivityItem, InviteItem, Mark, MemberItem } from "../screen-model.ts";
import { useTheme, type Theme } from "../theme.ts";
import { Cell } from "./cell.tsx";

/** `›` marks the selection; `…` an unconfirmed row; `✗` a refused one. */
export function prefix(selected: boolean, mark: Mark): string {
  return `${selected ? "›" : " "}${mark === "pending" ? "…" : mark === "failed" ? "✗" : " "}`;
}

function rowColor(theme: Theme, selected: boolean, mark: Mark): string | undefined {
  if (mark === "failed") return theme.error;
  if (selected) return theme.accent;
  return undefined;
}

interface LeadCellsProps {
  selected: boolean;
  mark: Mark;
  color: string | undefined;
  dim: boolean;
  strike?: boolean | undefined;
  /** The email column's width. */
  width: number;
  email: string;
}

/** How a row of `item` looks: its color, and dimmed while unconfirmed. */
function rowLook(theme: Theme, selected: boolean, item: { mark: Mark }) {
  return { color: rowColor(theme, selected, item.mark), dim: item.mark === "pending" };
}

/** The first two cells of every row: the selection and mark glyphs, then the email. */
function LeadCells({ selected, mark, color, dim, strike, width, email }: LeadCellsProps) {
  return (
    <>
      <Cell width={2} bold={selected} color={color}>
        {prefix(selected, mark)}
      </Cell>
      <Cell width={width} bold={selected} color={color} dim={dim} strike={strike}>
        {email}
      </Cell>
    </>
  );
}

interface MemberRowProps {
  item: MemberItem;
  selected: boolean;
  cols: MemberColumns;
  now: number;
}

export const MemberRowView = memo(function MemberRowView({
  item,
  selected,
  cols,
  now,
}: MemberRowProps) {
  const theme = useTheme();
  const c = memberCells(item.member, now, item.you ? item.member.userID : undefined);
  const { color, dim } = rowLook(theme, selected, item);
  const lead = { selected, mark: item.mark, color, dim, strike: item.removing, width: cols.email };
  return (
    <Box gap={1}>
      <LeadCells {...lead} email={c.email} />
      <Cell width={cols.name} color={color} dim={dim}>
        {c.name}
      </Cell>
      <Cell width={cols.role} color={color} dim={dim}>
        {item.removing ? "removing" : c.role}
      </Cell>
      <Cell width={cols.joined} color={color} dim>
        {c.joined}
      </Cell>
    </Box>
  );
});

interface InviteRowProps {
  item: InviteItem;
  selected: boolean;
  cols: InviteColumns;
  now: number;
}

function statusColor(theme: Theme, status: string): string | undefined {
  if (status === "pending") return theme.ok;
  if (status === "expired") return theme.warn;
  return theme.muted;
}

export const InviteRowView = memo(function InviteRowView({
  item,
  selected,
  cols,
  now,
}: InviteRowProps) {
  const theme = useTheme();
  const { color, dim } = rowLook(theme, selected, item);
  const lead = { selected, mark: item.mark, color, dim, strike: item.removing, width: cols.email };
  if (!item.invite) {
    // Not on the daemon: refused (with the reason), or queued and not placed yet.
    const failed = item.mark === "failed";
    const c = failed ? theme.error : undefined;
    return (
      <Box gap={1}>
        <LeadCells
          {...lead}
          color={c ?? color}
          dim={!failed}
          strike={undefined}
          email={item.email}
        />
        <Cell width={cols.status} color={c} dim={!failed}>
          {failed ? "refused" : "queued"}
        </Cell>
        <Cell width={cols.expiry + cols.sends + cols.delivery + 2} color={c} dim={!failed}>
          {failed ? (item.error?.message ?? "") : "not sent yet"}
        </Cell>
      </Box>
    );
  }
  const c = inviteCells(item.invite, now);
  const deliveryColor =
    item.invite.delivery.state === "failed"
      ? theme.error
      : item.invite.delivery.state === "sent"
        ? undefined
        : theme.muted;
  return (
    <Box gap={1}>
      <LeadCells {...lead} email={c.email} />
      <Cell width={cols.status} color={selected ? color : statusColor(theme, c.status)} dim={dim}>
        {c.status}
      </Cell>
      <Cell width={cols.expiry} color={color} dim={dim}>
        {c.expiry}
      </Cell>
      <Cell width={cols.sends} color={color} dim={dim}>
        {c.sends}
      </Cell>
      <Cell width={cols.delivery} color={dim ? undefined : deliveryColor} dim={dim}>
        {dim && item.action?.kind.type === "invite" ? "—" : c.delivery}
      </Cell>
    </Box>
  );
});

interface ActivityRowProps {
  item: ActivityItem;
  selected: boolean;
  cols: ActivityColumns;
  now: number;
}

/** One change of the Activity list: when, who, what, whom. */
export const ActivityRowView = memo(function ActivityRowView({
  item,
  selected,
  cols,
  now,
}: ActivityRowProps) {
  const theme = useTheme();
  const color = selected ? theme.accent : undefined;
  const l = item.line;
  return (
    <Box gap={1}>
      <Cell width={2} bold={selected} color={color}>
        {prefix(selected, "none")}
      </Cell>
      <Cell width={cols.time} color={color} dim>
        {ago(l.at, now).replace(" ago", "")}
      </Cell>
      <Cell width={cols.actor} color={color} bold={selected}>
        {l.actor}
      </Cell>
      <Cell width={cols.what} color={color}>
        {l.what}
      </Cell>
      <Cell width={cols.whom} color={color}>
        {l.whom}
      </Cell>
    </Box>
  );
});

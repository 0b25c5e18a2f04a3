/**
 * Which row of each list is selected, and which rows are in view. A
 * selection follows its row (by key) as the list changes, and falls back to
 * the same place when the row is gone; each list keeps its own scroll offset.
 */
import { useRef, useState } from "react";
import { clamp, scrollOffset, windowOf } from "../list-window.ts";
import type { ActivityItem, InviteItem, MemberItem, ScreenLists } from "../screen-model.ts";
import type { ListName } from "./header.tsx";

interface Selection {
  key: string | undefined;
  index: number;
  /** Until a row is picked by key: the row with this email (an invitation just made). */
  email?: string;
}

const TOP: Selection = { key: undefined, index: 0 };

export function useListSelection(shown: ScreenLists, active: ListName) {
  const [sel, setSel] = useState<Record<ListName, Selection>>({
    members: TOP,
    invites: TOP,
    activity: TOP,
  });
  const offsets = useRef<Record<ListName, number>>({ members: 0, invites: 0, activity: 0 });
  const rowsOf = (list: ListName): readonly (MemberItem | InviteItem | ActivityItem)[] =>
    list === "members" ? shown.members : list === "invites" ? shown.invites : shown.activity;

  const items = rowsOf(active);
  const current = sel[active];
  const email = current.email?.trim().toLowerCase();
  const keyIndex =
    current.key !== undefined
      ? items.findIndex((x) => x.key === current.key)
      : email !== undefined
        ? items.findIndex((x) => "email" in x && x.email.toLowerCase() === email)
        : -1;
  const cursor =
    items.length === 0 ? 0 : keyIndex >= 0 ? keyIndex : clamp(current.index, 0, items.length - 1);

  return {
    items,
    cursor,
    selected: items[cursor],
    /** Select the row at `index` (clamped) of `list`. */
    select(list: ListName, index: number) {
      const rows = rowsOf(list);
      const i = rows.length === 0 ? 0 : clamp(index, 0, rows.length - 1);
      setSel((s) => ({ ...s, [list]: { key: rows[i]?.key, index: i } }));
    },
    /** Select the row of `list` with this email, wherever the sort puts it (once it shows). */
    toEmail(list: ListName, email: string) {
      setSel((s) => ({ ...s, [list]: { key: undefined, index: 0, email } }));
    },
    /** The active list's rows in view when `height` rows fit, scrolled to show the cursor. */
    windowOf(height: number) {
      const offset = scrollOffset(offsets.current[active], cursor, height, items.length);
      offsets.current[active] = offset;
      return windowOf(items, offset, height);
    },
  };
}

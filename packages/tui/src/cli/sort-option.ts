/** `--sort COL [--reverse]` of `roster members list` and `roster invites list`. */
import {
  parseSortColumn,
  sortColumns,
  type InviteSort,
  type MemberSort,
  type SortList,
} from "@roster/core";
import { CliError, EXIT } from "./exit-codes.ts";

export interface SortOptions {
  sort?: string;
  reverse?: boolean;
}

/** The sort asked for; undefined when neither flag is given (the daemon's order). */
export function listSort(list: "members", opts: SortOptions): MemberSort | undefined;
export function listSort(list: "invites", opts: SortOptions): InviteSort | undefined;
export function listSort(list: SortList, opts: SortOptions): MemberSort | InviteSort | undefined {
  if (opts.sort === undefined && !opts.reverse) return undefined;
  const text = opts.sort ?? sortColumns(list)[0]!;
  const column = parseSortColumn(list, text);
  if (column === undefined)
    throw new CliError(
      `--sort: "${text}" is not a column of the ${list} list (one of: ${sortColumns(list).join(", ")}).`,
      EXIT.usage,
    );
  return { column, reverse: opts.reverse === true } as MemberSort | InviteSort;
}

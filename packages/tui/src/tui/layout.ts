/**
 * Screen geometry: how many lines each part of the org screen gets and how
 * wide each column is, for any terminal size (80×24 is the reference).
 */

/** Lines of the org screen around the list: header, tabs, column titles, detail, message, footer. */
export const CHROME_LINES = 6;

export interface ScreenSize {
  columns: number;
  rows: number;
}

/**
 * Lines Ink may draw. One less than the terminal: a frame as tall as the
 * terminal makes Ink clear the whole screen on every update (flicker).
 */
export function drawableLines(size: ScreenSize): number {
  return Math.max(8, size.rows - 1);
}

export function listHeight(size: ScreenSize): number {
  return Math.max(1, drawableLines(size) - CHROME_LINES);
}

/** Selection glyph + mark glyph + space. */
export const PREFIX_WIDTH = 3;

export interface InviteColumns {
  email: number;
  status: number;
  expiry: number;
  sends: number;
  delivery: number;
}

export function inviteColumns(width: number): InviteColumns {
  const status = 10;
  const expiry = width >= 60 ? 16 : 0;
  const sends = width >= 70 ? 5 : 0;
  const delivery = width >= 70 ? 9 : 0;
  const gaps = [status, expiry, sends, delivery].filter((w) => w > 0).length;
  const email = Math.max(8, width - PREFIX_WIDTH - status - expiry - sends - delivery - gaps);
  return { email, status, expiry, sends, delivery };
}

export interface MemberColumns {
  email: number;
  name: number;
  role: number;
  joined: number;
}

export function memberColumns(width: number): MemberColumns {
  const role = 7;
  const joined = width >= 60 ? 10 : 0;
  const name = width >= 70 ? Math.min(24, Math.floor((width - PREFIX_WIDTH) / 4)) : 0;
  const gaps = [name, role, joined].filter((w) => w > 0).length;
  const email = Math.max(8, width - PREFIX_WIDTH - name - role - joined - gaps);
  return { email, name, role, joined };
}

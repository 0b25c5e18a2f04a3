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
  return withEmail(width, {
    status: 10,
    expiry: width >= 60 ? 16 : 0,
    sends: width >= 70 ? 5 : 0,
    delivery: width >= 70 ? 9 : 0,
  });
}

export interface MemberColumns {
  email: number;
  name: number;
  role: number;
  joined: number;
}

export function memberColumns(width: number): MemberColumns {
  return withEmail(width, {
    name: width >= 70 ? Math.min(24, Math.floor((width - PREFIX_WIDTH) / 4)) : 0,
    role: 7,
    joined: width >= 60 ? 10 : 0,
  });
}

/**
 * The other columns (a width of 0 hides one) and the email column, which
 * takes what they and their one-space gaps leave (at least 8).
 */
function withEmail<C extends Record<string, number>>(
  width: number,
  others: C,
): C & { email: number } {
  const shown = Object.values(others).filter((w) => w > 0);
  const used = shown.reduce((sum, w) => sum + w, 0) + shown.length;
  return { email: Math.max(8, width - PREFIX_WIDTH - used), ...others };
}

export interface ActivityColumns {
  time: number;
  actor: number;
  what: number;
  whom: number;
}

/** Activity: when, who, what, whom (the email about whom takes what is left). */
export function activityColumns(width: number): ActivityColumns {
  const rest = Math.max(24, width - PREFIX_WIDTH - 9 - 3);
  const actor = Math.floor(rest * 0.28);
  const what = Math.floor(rest * 0.37);
  return { time: 9, actor, what, whom: Math.max(8, rest - actor - what) };
}

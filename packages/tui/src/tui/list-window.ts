/**
 * List windowing: which rows of a (possibly huge) list are on screen. Only
 * those rows are turned into React elements, so 10,000 members cost the same
 * to draw as 20.
 */

export function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n));
}

/**
 * The first visible row after moving the cursor: unchanged while the cursor
 * stays inside the window, scrolled just enough to keep it visible otherwise.
 */
export function scrollOffset(
  prevOffset: number,
  cursor: number,
  height: number,
  total: number,
): number {
  if (height <= 0 || total <= height) return 0;
  let offset = clamp(prevOffset, 0, total - height);
  if (cursor < offset) offset = cursor;
  if (cursor >= offset + height) offset = cursor - height + 1;
  return clamp(offset, 0, total - height);
}

export interface ListWindow<T> {
  offset: number;
  rows: readonly T[];
  /** Rows hidden above and below the window. */
  above: number;
  below: number;
}

export function windowOf<T>(items: readonly T[], offset: number, height: number): ListWindow<T> {
  const start = clamp(offset, 0, Math.max(0, items.length - 1));
  const rows = items.slice(start, start + Math.max(0, height));
  return {
    offset: start,
    rows,
    above: start,
    below: Math.max(0, items.length - start - rows.length),
  };
}

/** Where the cursor lands after a movement command, in a list of `total` rows. */
export function moveCursor(
  cursor: number,
  total: number,
  page: number,
  move: "down" | "up" | "top" | "bottom" | "pageDown" | "pageUp",
): number {
  if (total === 0) return 0;
  const last = total - 1;
  switch (move) {
    case "down":
      return clamp(cursor + 1, 0, last);
    case "up":
      return clamp(cursor - 1, 0, last);
    case "top":
      return 0;
    case "bottom":
      return last;
    case "pageDown":
      return clamp(cursor + Math.max(1, page), 0, last);
    case "pageUp":
      return clamp(cursor - Math.max(1, page), 0, last);
  }
}

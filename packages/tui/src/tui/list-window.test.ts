import { describe, expect, it } from "vitest";
import { moveCursor, scrollOffset, windowOf } from "./list-window.ts";

describe("list windowing", () => {
  it("scrolls only when the cursor leaves the window", () => {
    expect(scrollOffset(0, 5, 10, 100)).toBe(0);
    expect(scrollOffset(0, 10, 10, 100)).toBe(1);
    expect(scrollOffset(20, 25, 10, 100)).toBe(20);
    expect(scrollOffset(20, 19, 10, 100)).toBe(19);
    expect(scrollOffset(95, 99, 10, 100)).toBe(90);
    expect(scrollOffset(50, 3, 10, 5)).toBe(0);
  });

  it("renders only the visible rows of 10,000", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const w = windowOf(items, 9_995, 17);
    expect(w.rows).toEqual([9995, 9996, 9997, 9998, 9999]);
    expect(w.above).toBe(9995);
    expect(w.below).toBe(0);
    expect(windowOf(items, 100, 17).rows).toHaveLength(17);
  });

  it("moves the cursor with clamping", () => {
    expect(moveCursor(0, 10, 5, "up")).toBe(0);
    expect(moveCursor(9, 10, 5, "down")).toBe(9);
    expect(moveCursor(2, 10, 5, "pageDown")).toBe(7);
    expect(moveCursor(7, 10, 5, "pageDown")).toBe(9);
    expect(moveCursor(3, 10, 5, "pageUp")).toBe(0);
    expect(moveCursor(3, 10, 5, "bottom")).toBe(9);
    expect(moveCursor(3, 10, 5, "top")).toBe(0);
    expect(moveCursor(0, 0, 5, "down")).toBe(0);
  });
});

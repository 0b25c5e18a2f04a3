/**
 * Helpers for ink-testing-library: a terminal of a given size, keys by name,
 * and waiting for a frame (Ink throttles renders to ~30 fps, so a key's
 * effect shows up some milliseconds later, and a lone Esc is only known to
 * be Esc after a short pause).
 */
import type { render } from "ink-testing-library";

export type Rendered = ReturnType<typeof render>;

export const KEYS = {
  enter: "\r",
  esc: "\u001b",
  tab: "\t",
  shiftTab: "\u001b[Z",
  up: "\u001b[A",
  down: "\u001b[B",
  right: "\u001b[C",
  left: "\u001b[D",
  pageUp: "\u001b[5~",
  pageDown: "\u001b[6~",
  backspace: "\u007f",
  ctrlC: "\u0003",
} as const;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Give the test terminal a size (ink-testing-library's is 100 columns, no rows) and tell Ink it resized. */
export function resize(r: Rendered, columns: number, rows: number): void {
  Object.defineProperty(r.stdout, "columns", { value: columns, configurable: true });
  Object.defineProperty(r.stdout, "rows", { value: rows, configurable: true });
  r.stdout.emit("resize");
}

export function frame(r: Rendered): string {
  return r.lastFrame() ?? "";
}

/** Wait until the last frame satisfies `check` (a substring or a predicate). */
export async function waitForFrame(
  r: Rendered,
  check: string | RegExp | ((frame: string) => boolean),
  timeoutMs = 5000,
): Promise<string> {
  const test =
    typeof check === "string"
      ? (f: string) => f.includes(check) || flat(f).includes(check)
      : check instanceof RegExp
        ? (f: string) => check.test(f)
        : check;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const f = frame(r);
    if (test(f)) return f;
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${String(check)}; last frame:\n${f}`);
    }
    await sleep(20);
  }
}

/** Type keys one at a time, pausing after each so Ink handles (and draws) it. */
export async function press(r: Rendered, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    r.stdin.write(k);
    await sleep(k === KEYS.esc ? 80 : 50);
  }
}

/** Type text character by character (as a person would). */
export async function type(r: Rendered, text: string): Promise<void> {
  for (const ch of text) {
    r.stdin.write(ch);
    await sleep(15);
  }
  await sleep(50);
}

/** The frame as one line (a wrapped message reads as one sentence). */
export function flat(f: string): string {
  return f
    .split("\n")
    .map((l) => l.trim())
    .join(" ")
    .replace(/\s+/g, " ");
}

/** The frame as one line without box borders (a dialog's wrapped text reads as one sentence). */
export function unboxed(f: string): string {
  return flat(f.replace(/[│╭╮╰╯─]/g, " "));
}

/** The frame's lines, without trailing spaces. */
export function lines(f: string): string[] {
  return f.split("\n").map((l) => l.replace(/\s+$/, ""));
}

/** Wait until `pred()` holds. */
export async function waitUntil(pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for a condition");
    await sleep(20);
  }
}

/**
 * Colours of the TUI, and NO_COLOR. Colour is never the only signal: every
 * state it shows is also written as a word or a glyph, so with NO_COLOR (or a
 * monochrome terminal) nothing is lost.
 */
import { createContext, useContext } from "react";

export interface Theme {
  noColor: boolean;
  accent: string | undefined;
  ok: string | undefined;
  warn: string | undefined;
  error: string | undefined;
  muted: string | undefined;
}

/** NO_COLOR (https://no-color.org): present and not empty disables colour. */
export function colorDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") return true;
  return env["FORCE_COLOR"] === "0" || env["FORCE_COLOR"] === "false";
}

/**
 * Map NO_COLOR to what chalk (used inside Ink) understands. Must run before
 * Ink is imported, which is why run-tui imports Ink lazily.
 */
export function applyNoColor(env: NodeJS.ProcessEnv = process.env): void {
  const noColor = env["NO_COLOR"];
  if (noColor !== undefined && noColor !== "") env["FORCE_COLOR"] = "0";
}

export function makeTheme(noColor: boolean): Theme {
  if (noColor) {
    return {
      noColor,
      accent: undefined,
      ok: undefined,
      warn: undefined,
      error: undefined,
      muted: undefined,
    };
  }
  return { noColor, accent: "cyan", ok: "green", warn: "yellow", error: "red", muted: "gray" };
}

export const ThemeContext = createContext<Theme>(makeTheme(colorDisabled()));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

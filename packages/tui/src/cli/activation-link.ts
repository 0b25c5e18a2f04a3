/**
 * `roster accept` takes the emailed activation link
 * (`<public-url>/activate/<token>`) or the bare token.
 */
import { CliError, EXIT } from "./exit-codes.ts";

export interface Activation {
  token: string;
  /** The daemon's public URL, when the input was a link. */
  baseUrl: string | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]{16,512}$/;

export function parseActivation(input: string): Activation {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw bad(input);
    }
    const parts = url.pathname.split("/");
    const at = parts.lastIndexOf("activate");
    const token = at >= 0 ? decodeURIComponent(parts[at + 1] ?? "") : "";
    if (at < 0 || !TOKEN.test(token) || parts.slice(at + 2).some((p) => p !== "")) throw bad(input);
    const base = `${url.origin}${parts.slice(0, at).join("/")}`.replace(/\/+$/, "");
    return { token, baseUrl: base };
  }
  if (!TOKEN.test(text)) throw bad(input);
  return { token: text, baseUrl: undefined };
}

function bad(input: string): CliError {
  const shown = input.length > 80 ? `${input.slice(0, 77)}...` : input;
  return new CliError(
    `"${shown}" is neither an activation link (…/activate/<token>) nor an invitation token.`,
    EXIT.usage,
  );
}

/**
 * R15: names (an organization's, a user's) are printable text. Control
 * characters (C0, DEL, C1: tab and newline too), line and paragraph
 * separators, and invisible format characters — bidirectional overrides,
 * embeddings and isolates, zero-width spaces, the byte-order mark, soft
 * hyphens, tag characters — are refused: a name is shown in terminals and in
 * emails, and none of these may rewrite or hide what is shown around it.
 * The joiners ZWJ and ZWNJ stay allowed: scripts (Persian, the Indic ones)
 * and emoji sequences need them. The daemon (through the request schemas)
 * and the terminal UI (its setup form) both call this.
 */
import { errors, type DomainError } from "./errors.ts";
import { err, ok, type Result } from "./result.ts";

export type NameField = "org" | "user";

/** ZWNJ and ZWJ: format characters that text needs. */
const ALLOWED_FORMAT = new Set([0x200c, 0x200d]);
/** Letters that draw nothing (Hangul fillers): invisible though not "format". */
const INVISIBLE_LETTERS = new Set([0x115f, 0x1160, 0x3164, 0xffa0]);

/** What the character at a code point is, when a name may not hold it. */
function refused(ch: string): string | undefined {
  const cp = ch.codePointAt(0) ?? 0;
  if (/\p{Cc}/u.test(ch)) return "a control character";
  if (/[\p{Zl}\p{Zp}]/u.test(ch)) return "a line break";
  if (cp >= 0x202a && cp <= 0x202e) return "a bidirectional override";
  if (cp >= 0x2066 && cp <= 0x2069) return "a bidirectional override";
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c) return "a bidirectional mark";
  if (/\p{Cf}/u.test(ch) && !ALLOWED_FORMAT.has(cp)) return "an invisible format character";
  if (INVISIBLE_LETTERS.has(cp)) return "an invisible character";
  if (/\p{Cs}/u.test(ch)) return "a broken character (a lone surrogate)";
  return undefined;
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Why `name` is not a printable name (the first offending character), or undefined. */
export function nameProblem(name: string, field: NameField): DomainError | undefined {
  for (const ch of name) {
    const what = refused(ch);
    if (what) return errors.invalidName(field, `${what} (${codePoint(ch)})`);
  }
  return undefined;
}

/** A name as stored: trimmed, and printable (R15), or why not. */
export function parseName(input: string, field: NameField): Result<string> {
  const problem = nameProblem(input, field);
  return problem ? err(problem) : ok(input.trim());
}

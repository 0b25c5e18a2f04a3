import { MAX_EMAIL_LENGTH } from "./constants.ts";
import { errors } from "./errors.ts";
import { err, ok, type Result } from "./result.ts";

const LOCAL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * R2 + R3: take exactly one email address from untrusted input, trimmed and
 * lower-cased, or say why not. Arrays and comma/semicolon/space separated
 * strings are lists and are refused as such.
 */
export function parseEmail(input: unknown): Result<string> {
  if (Array.isArray(input)) return err(errors.multipleEmails());
  if (typeof input !== "string") return err(errors.invalidEmail(input));
  const trimmed = input.trim();
  if (trimmed === "") return err(errors.emptyEmail());
  if (/[,;\s]/.test(trimmed) && (trimmed.match(/@/g)?.length ?? 0) >= 2) {
    return err(errors.multipleEmails());
  }
  if (/[,;]/.test(trimmed) || /\s/.test(trimmed)) return err(errors.invalidEmail(trimmed));
  if (!isValidEmail(trimmed)) return err(errors.invalidEmail(trimmed));
  return ok(trimmed.toLowerCase());
}

export function isValidEmail(s: string): boolean {
  if (s.length > MAX_EMAIL_LENGTH) return false;
  const at = s.lastIndexOf("@");
  if (at <= 0 || at !== s.indexOf("@")) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return false;
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l))) return false;
  const tld = labels[labels.length - 1] ?? "";
  return /^[A-Za-z]{2,63}$/.test(tld) || /^xn--[A-Za-z0-9-]+$/.test(tld);
}

/** R3: the form in which emails are stored and compared. */
export function normalizeEmail(s: string): string {
  return s.trim().toLowerCase();
}

/**
 * A write refused for lack of disk space (SPEC §7): the transaction rolled
 * back, so nothing changed; the request is answered 503 with a message that
 * says so and what to do. The daemon carries on once there is room again.
 */
import type { DomainError } from "@roster/core";
import { sqlState, StorageUnavailable } from "./storage.ts";

/** SQLSTATE disk_full, and the errnos of a full disk or an exhausted quota. */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(["53100", "ENOSPC", "EDQUOT"]);

export function isDiskFullError(e: unknown, depth = 0): boolean {
  if (typeof e !== "object" || e === null || depth > 3) return false;
  if (DISK_FULL_CODES.has(sqlState(e) ?? "")) return true;
  return isDiskFullError((e as { cause?: unknown }).cause, depth + 1);
}

/** Seconds a client is asked to wait before trying again. */
const RETRY_AFTER_S = 10;

export function diskFullError(where: string): DomainError {
  return {
    code: "unavailable",
    message:
      `The disk is full: the daemon cannot save changes right now, and this request changed nothing. ` +
      `Free some space on ${where}; the daemon carries on by itself once there is room.`,
    retryAfterS: RETRY_AFTER_S,
  };
}

/** The error to throw instead of `cause` when it says the disk is full. */
export class DiskFullFailure extends StorageUnavailable {
  constructor(where: string, cause: unknown) {
    super(diskFullError(where), cause);
  }
}

/** Rethrow a disk-full error as a DiskFullFailure, anything else unchanged. */
export function translateDiskFull(e: unknown, where: string): unknown {
  return isDiskFullError(e) && !(e instanceof StorageUnavailable)
    ? new DiskFullFailure(where, e)
    : e;
}

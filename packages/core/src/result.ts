import type { DomainError } from "./errors.ts";

export type Ok<T> = { ok: true; value: T };
export type Err<E = DomainError> = { ok: false; error: E };
export type Result<T, E = DomainError> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E = DomainError>(error: E): Err<E> => ({ ok: false, error });

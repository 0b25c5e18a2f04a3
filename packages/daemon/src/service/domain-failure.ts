import type { DomainError, Result } from "@roster/core";

/** A rule refused the command: carries core's DomainError to the error mapper. */
export class DomainFailure extends Error {
  override readonly name = "DomainFailure";
  constructor(readonly error: DomainError) {
    super(error.message);
  }
}

/** The value of a core decision, or throw its error. */
export function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new DomainFailure(r.error);
  return r.value;
}

export function fail(error: DomainError): never {
  throw new DomainFailure(error);
}

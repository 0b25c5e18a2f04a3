/**
 * `@roster/core/testing`: fakes for other packages' tests, not part of the
 * product. ModelServer is an in-memory model of the daemon's write path.
 */
export * from "./model-server.ts";

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./result.ts";
export * from "./email.ts";
export * from "./schemas.ts";
export * from "./status.ts";
export * from "./rules.ts";
export * from "./sync/index.ts";

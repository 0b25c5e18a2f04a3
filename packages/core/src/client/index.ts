export * from "./http-client.ts";
export * from "./live-connection.ts";
export * from "./sync-engine.ts";
export type { EngineListener, SyncEngineOptions } from "./sync-engine-options.ts";

export * from "./http-client.ts";
export * from "./live-connection.ts";
export * from "../sync/sync-engine.ts";

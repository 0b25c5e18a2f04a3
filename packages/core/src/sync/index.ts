/** The pure sync core: reducer, pending actions, views. No I/O. */
export * from "./pending-action.ts";
export * from "./reducer.ts";
export * from "./saved-snapshot.ts";
export * from "./view.ts";

/**
 * TUI rendering with large orgs (see packages/tui/src/tui/testing/render-bench.ts):
 * key press → frame and live change → frame for 100 / 1,000 / 10,000 members.
 * The code lives in the tui package, where React and Ink resolve.
 */
export { tuiBench } from "roster/testing/render-bench";

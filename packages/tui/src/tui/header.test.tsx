/** The header line at 80 columns: the data's age only in the words that fit beside the org name. */
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import { Header } from "./components/header.tsx";
import { lines } from "./testing/ink-harness.ts";

function header(orgName: string, dataAge: number | undefined, synced = true, members = 12): string {
  const r = render(
    <Header
      orgName={orgName}
      synced={synced}
      members={members}
      pending={3}
      limit={50}
      connection={
        dataAge === undefined
          ? { state: "offline", queued: 1 }
          : { state: "offline", queued: 1, dataAge }
      }
      width={80}
    />,
  );
  const first = lines(r.lastFrame() ?? "")[0] ?? "";
  r.unmount();
  return first;
}

describe("header", () => {
  it("fits the data's age at 80 columns, shortening it before the org name", () => {
    const threeMin = 3 * 60_000;
    expect(header("Acme", threeMin, true, 1)).toMatch(
      /^Roster · Acme +members: 1 · pending: 3\/50 +offline — 1 queued · data from 3m ago$/,
    );
    expect(header("Acme", threeMin)).toMatch(
      /^Roster · Acme +members: 12 · pending: 3\/50 +offline — 1 queued · 3m old$/,
    );
    expect(header("Live Org", threeMin)).toMatch(
      /^Roster · Live Org +members: 12 · pending: 3\/50 +offline — 1 queued · 3m old$/,
    );
    const long = header("A Rather Long Organization Name", threeMin);
    expect(long).toMatch(/offline — 1 queued$/);
    expect(long).not.toContain("old");
    expect(header("Acme", undefined)).toMatch(/pending: 3\/50 +offline — 1 queued$/);
    for (const l of [header("Acme", threeMin), long]) expect(l.length).toBeLessThanOrEqual(80);
  });

  it("shows ? for counts it does not know", () => {
    expect(header("Acme", undefined, false)).toContain("members: ? · pending: ?/50");
  });
});

import { describe, expect, it } from "vitest";
import {
  freshLike,
  instantiate,
  makeTemplate,
  requestStatements,
  type CaptureRecord,
  type Invitation,
} from "./statements.ts";

const ORG = "0a1b2c3d4e5f6a7b";
const CALLER = "9f8e7d6c5b4a3f2e";

function invitation(id: string, email: string, at: string): Invitation {
  const change = JSON.stringify({ type: "invite.created", invite: { id, email, orgID: ORG } });
  return [
    [
      { text: "select * from orgs where id = $1 for update", params: [ORG] },
      { text: "select members", params: [ORG, [CALLER], [email]] },
      { text: "insert into invites", params: [id, ORG, email, at, { $date: at }, 1] },
      { text: "insert into changes", params: [ORG, at, CALLER, change] },
    ],
  ];
}

describe("statement templates", () => {
  const first = invitation(
    "aaaa1111bbbb2222",
    "capture-2@bench.example",
    "2026-01-01T10:00:00.000Z",
  );
  const second = invitation(
    "cccc3333dddd4444",
    "capture-3@bench.example",
    "2026-01-01T10:00:01.000Z",
  );

  it("replaces every per-invitation value consistently, keeps the rest, shifts times", () => {
    const t = makeTemplate(first, second, ORG);
    expect(t.varying).toEqual([
      "2026-01-01T10:00:01.000Z",
      "capture-3@bench.example",
      "cccc3333dddd4444",
    ]);
    const now = Date.parse("2026-06-01T00:00:01.000Z");
    const [tx] = instantiate(t, "1111222233334444", now);
    const insert = tx![2]!.params!;
    const [id, org, email, at, date, n] = insert as [
      string,
      string,
      string,
      string,
      { $date: string },
      number,
    ];
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).not.toBe("cccc3333dddd4444");
    expect(org).toBe("1111222233334444");
    expect(email).toMatch(/^[a-z]{7}-\d@[a-z]{5}\.[a-z]{7}$/);
    expect(at).toBe("2026-06-01T00:00:01.000Z");
    expect(date).toEqual({ $date: "2026-06-01T00:00:01.000Z" });
    expect(n).toBe(1);
    expect(tx![1]!.params).toEqual(["1111222233334444", [CALLER], [email]]);
    const change = JSON.parse(tx![3]!.params![3] as string);
    expect(change.invite).toEqual({ id, email, orgID: "1111222233334444" });
    // Two replays never share an id.
    const again = instantiate(t, "1111222233334444", now);
    expect(again[0]![2]!.params![0]).not.toBe(id);
  });

  it("refuses captures that ran different statements", () => {
    const other = structuredClone(second);
    other[0]!.pop();
    expect(() => makeTemplate(first, other, ORG)).toThrow(/different statements/);
  });

  it("freshLike keeps length and character classes", () => {
    expect(freshLike("roster_inv_AbC-12")).toMatch(/^[a-z]{6}_[a-z]{3}_[A-Z][a-z][A-Z]-\d\d$/);
    expect(freshLike("deadbeef")).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe("requestStatements", () => {
  const route = `POST /api/v2/orgs/${ORG}/invites`;
  const stmt = (tx: number, req: number, t: number, text: string): CaptureRecord => ({
    ev: "stmt",
    tx,
    req,
    t,
    text,
    params: [],
    ...(req ? { route } : {}),
  });
  const records: CaptureRecord[] = [
    stmt(0, 7, 100, "auth"),
    { ev: "begin", tx: 1, req: 7, t: 101 },
    stmt(1, 7, 102, "insert"),
    { ev: "commit", tx: 1, req: 7, t: 103 },
    // Started by the commit's notification but still in the request's context.
    { ev: "begin", tx: 2, req: 7, t: 104 },
    stmt(2, 7, 105, "claim outbox"),
    { ev: "response", tx: 0, req: 7, t: 106 },
    { ev: "commit", tx: 2, req: 7, t: 107 },
    { ev: "begin", tx: 3, req: 0, t: 108 },
    stmt(3, 0, 109, "mail"),
    { ev: "commit", tx: 3, req: 0, t: 110 },
  ];

  it("takes the request's transactions that committed before its answer", () => {
    const c = requestStatements(records, route, { from: 99, to: 107 });
    expect(c.attribution).toBe("request");
    expect(c.invitation).toEqual([[{ text: "insert", params: [] }]]);
    expect(c.outside).toEqual([{ text: "auth", params: [] }]);
  });

  it("falls back to the first transaction in the window when no statement names a request", () => {
    const untagged = records.map((r) => ({ ...r, req: 0, route: undefined }));
    const c = requestStatements(untagged, route, { from: 100.5, to: 107 });
    expect(c.attribution).toBe("time window");
    expect(c.invitation).toEqual([[{ text: "insert", params: [] }]]);
  });
});

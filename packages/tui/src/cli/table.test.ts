import { describe, expect, it } from "vitest";
import { renderTable } from "./table.ts";

describe("renderTable", () => {
  it("aligns columns with two spaces and no trailing blanks", () => {
    const out = renderTable(
      ["ID", "Email", "Role"],
      [
        ["1", "ada@example.com", "owner"],
        ["22", "b@x.io", ""],
      ],
    );
    expect(out).toBe(
      "ID  Email            Role\n" + "1   ada@example.com  owner\n" + "22  b@x.io\n",
    );
  });

  it("prints only the header for no rows and never breaks a row on control characters", () => {
    expect(renderTable(["A", "B"], [])).toBe("A  B\n");
    expect(renderTable(["A", "B"], [["x\ny", "z"]])).toBe("A    B\nx y  z\n");
  });
});

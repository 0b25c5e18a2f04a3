import { describe, expect, it } from "vitest";
import {
  activationLink,
  describeTimeLeft,
  escapeHtml,
  formatUtc,
  inviteMessageId,
  renderInviteEmail,
} from "./render-invite-email.ts";

const now = Date.parse("2025-03-01T10:00:00.000Z");
const base = {
  orgName: "Acme",
  inviterName: "Alice Liddell",
  inviterEmail: "alice@example.com",
  toEmail: "bob@example.com",
  link: "http://127.0.0.1:8086/activate/abc_DEF-123",
  expiresAt: "2025-03-04T10:00:00.000Z",
  now,
};

describe("renderInviteEmail", () => {
  it("names the org, the inviter, the expiry and carries the link in both parts", () => {
    const m = renderInviteEmail(base);
    expect(m.subject).toBe("Alice Liddell invited you to join Acme on Roster");
    for (const part of [m.text, m.html]) {
      expect(part).toContain("Acme");
      expect(part).toContain("Alice Liddell");
      expect(part).toContain("alice@example.com");
      expect(part).toContain("http://127.0.0.1:8086/activate/abc_DEF-123");
      expect(part).toContain("2025-03-04 10:00 UTC");
      expect(part).toContain("in 72 hours");
      expect(part).toMatch(/did not expect this invitation, you can ignore this email/);
    }
    expect(m.text.split("\n")).toContain("http://127.0.0.1:8086/activate/abc_DEF-123");
    expect(m.html).toContain('href="http://127.0.0.1:8086/activate/abc_DEF-123"');
  });

  it("escapes user-controlled names in the HTML part and keeps headers on one line", () => {
    const m = renderInviteEmail({
      ...base,
      orgName: `<script>alert("x")</script> & Co`,
      inviterName: "Mallory\r\nBcc: victim@example.com <b>",
    });
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co");
    expect(m.html).toContain("Mallory Bcc: victim@example.com &lt;b&gt;");
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject).toBe(
      `Mallory Bcc: victim@example.com <b> invited you to join <script>alert("x")</script> & Co on Roster`,
    );
  });

  it("falls back to the inviter's email when there is no name", () => {
    const m = renderInviteEmail({ ...base, inviterName: "" });
    expect(m.subject).toBe("alice@example.com invited you to join Acme on Roster");
    expect(m.text).toContain("alice@example.com invited you");
    expect(m.text).not.toContain("()");
  });

  it("says how long is left when the mail goes out late", () => {
    const m = renderInviteEmail({ ...base, now: now + 60 * 3_600_000 });
    expect(m.text).toContain("in 12 hours");
  });
});

describe("helpers", () => {
  it("activationLink joins without a double slash and encodes the token", () => {
    expect(activationLink("https://roster.example.com/", "tok")).toBe(
      "https://roster.example.com/activate/tok",
    );
    expect(activationLink("https://h/base//", "a/b")).toBe("https://h/base/activate/a%2Fb");
  });
  it("inviteMessageId: one per send of an invitation, on the public URL's host", () => {
    expect(inviteMessageId("https://roster.example.com/base", "ab12", 1)).toBe(
      "<invite.ab12.1@roster.example.com>",
    );
    expect(inviteMessageId("https://roster.example.com", "ab12", 2)).toBe(
      "<invite.ab12.2@roster.example.com>",
    );
    expect(inviteMessageId("http://[::1]:8086", "ab12", 1)).toBe("<invite.ab12.1@[::1]>");
    expect(inviteMessageId("not a url", "ab12", 1)).toBe("<invite.ab12.1@roster.invalid>");
  });
  it("formatUtc and describeTimeLeft", () => {
    expect(formatUtc("2025-01-02T03:04:59.999Z")).toBe("2025-01-02 03:04 UTC");
    expect(describeTimeLeft(72 * 3_600_000)).toBe("in 72 hours");
    expect(describeTimeLeft(3_600_000)).toBe("in 1 hour");
    expect(describeTimeLeft(15 * 60_000)).toBe("in 15 minutes");
    expect(describeTimeLeft(30_000)).toBe("in 1 minute");
    expect(describeTimeLeft(0)).toBe("already expired");
  });
  it("escapeHtml escapes the five characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});

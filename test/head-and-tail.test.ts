import { describe, expect, it } from "vitest";
import { headAndTail } from "../src/text/head-and-tail.js";

describe("headAndTail", () => {
  it("leaves a text that fits as it is", () => {
    expect(headAndTail("abc", 3)).toBe("abc");
  });

  it("keeps the start and the end of a long text and says how much it dropped", () => {
    const text = `START${"x".repeat(10_000)}END`;
    const kept = headAndTail(text, 100);
    expect(kept.startsWith("START")).toBe(true);
    expect(kept.endsWith("END")).toBe(true);
    expect(kept).toContain(`[... ${text.length - 100} characters omitted ...]`);
    expect(kept.length).toBeLessThan(160);
  });
});

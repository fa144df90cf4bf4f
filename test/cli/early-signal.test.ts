/**
 * @file A stop requested while a command's modules are still loading (the slow part of start-up)
 * ends the command before it starts: exit 130 for SIGINT, 143 for SIGTERM, one line on stderr, and
 * the command never runs. In-process, so the signal lands deterministically during the load.
 */

import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a signal during start-up", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s while the command loads ends it with exit %i before it starts", async (signal, code) => {
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const pending = main(["inspect", "--json", "--preset", "mwmae-base-4x16"]);
    process.emit(signal, signal);
    expect(await pending).toBe(code);
    expect(err.mock.calls.map((c) => String(c[0])).join("")).toBe(
      `mwmae inspect: ${signal} before the command started; nothing was done\n`,
    );
    expect(out).not.toHaveBeenCalled(); // inspect never ran
    expect(process.listenerCount(signal)).toBe(0);
  });
});

/**
 * @file Progress reporting: plain lines at the first step, every N steps and the last, with the loss,
 * the rate, steps per second and the ETA; durations read like `3m05s`.
 */

import { afterEach, describe, expect, it, vi } from "vitest";
import { formatDuration, makeProgress } from "../../src/train";

afterEach(() => vi.restoreAllMocks());

describe("progress", () => {
  it("prints plain lines at the first step, every N steps and the last", () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
      lines.push(String(s));
      return true;
    });
    let clock = 0;
    const progress = makeProgress("plain", 4, () => clock);
    progress.start(10, 0);
    for (let step = 1; step <= 10; step++) {
      clock += 500; // two steps per second
      progress.step({ step, loss: 1 / step, lr: 1e-4, time: clock / 1000 });
    }
    progress.message("saved");
    expect(lines).toEqual([
      "training steps 1…10\n",
      "step 1/10  loss 1.0000  lr 1.00e-4  ? steps/s  ETA ?\n",
      "step 4/10  loss 0.2500  lr 1.00e-4  2.00 steps/s  ETA 3s\n",
      "step 8/10  loss 0.1250  lr 1.00e-4  2.00 steps/s  ETA 1s\n",
      "step 10/10  loss 0.1000  lr 1.00e-4  2.00 steps/s  ETA 0s\n",
      "saved\n",
    ]);
  });

  it("says nothing when asked for none", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const progress = makeProgress("none");
    progress.start(3, 0);
    progress.step({ step: 1, loss: 1, lr: 0, time: 0 });
    progress.message("x");
    expect(write).not.toHaveBeenCalled();
  });

  it("formats durations", () => {
    expect([formatDuration(12.4), formatDuration(185), formatDuration(3720), formatDuration(Number.NaN)]).toEqual([
      "12s",
      "3m05s",
      "1h02m",
      "?",
    ]);
  });
});

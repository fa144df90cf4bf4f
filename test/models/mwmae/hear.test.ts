import { describe, expect, it } from "vitest";
import { fromData } from "../../../src";
import { chunkLogmel, joinChunks, sceneOf, timestampsMs } from "../../../src/models/mwmae";

describe("chunkLogmel", () => {
  it("reflect-pads like NumPy, reflecting again past the clip's length", () => {
    // np.pad([0, 1, 2], (0, 5), "reflect") = [0, 1, 2, 1, 0, 1, 2, 1]
    const { chunks, padFrames } = chunkLogmel(fromData([0, 1, 2], [3, 1] as const), 8);
    expect(padFrames).toBe(5);
    expect(chunks.shape).toEqual([1, 8, 1]);
    expect(Array.from(chunks.data)).toEqual([0, 1, 2, 1, 0, 1, 2, 1]);
  });

  it("adds no chunk when the length is a multiple of the chunk", () => {
    const { chunks, padFrames } = chunkLogmel(fromData([1, 2, 3, 4, 5, 6, 7, 8], [4, 2] as const), 2);
    expect(padFrames).toBe(0);
    expect(chunks.shape).toEqual([2, 2, 2]);
    expect(Array.from(chunks.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe("joinChunks, timestampsMs, sceneOf", () => {
  it("drops int(T'·pad/unit) trailing frames, times frames at i·duration/frames, averages over time", () => {
    // 2 chunks of 4 frames (width 1), 3 of 8 input frames padded: int(4·3/8) = 1 frame dropped.
    const joined = joinChunks(fromData([0, 1, 2, 3, 4, 5, 6, 7], [2, 4, 1] as const), 3, 8);
    expect(joined.shape).toEqual([7, 1]);
    expect(Array.from(joined.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(timestampsMs(4, 16000))).toEqual([0, 250, 500, 750]);
    expect(Array.from(sceneOf(joined))).toEqual([3]);
  });
});

import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { colour, crc32, encodePng, heatmapPng, windowLayoutSvg } from "../../src/analysis";

/** Reads back the pixels of a PNG written by `encodePng` (one IDAT, filter 0). */
const decode = (png: Uint8Array) => {
  const dv = new DataView(png.buffer, png.byteOffset);
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const idatLength = dv.getUint32(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  return {
    width,
    height,
    pixel: (x: number, y: number) => [...raw.subarray(y * (1 + width * 3) + 1 + x * 3, y * (1 + width * 3) + 4 + x * 3)],
  };
};

describe("report images", () => {
  it("computes the standard CRC-32 check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("encodes a PNG whose pixels read back", () => {
    const rgb = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30);
    const png = encodePng(rgb, 2, 2);
    expect([...png.subarray(1, 4)]).toEqual([80, 78, 71]);
    const img = decode(png);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(img.pixel(1, 0)).toEqual([0, 255, 0]);
    expect(img.pixel(1, 1)).toEqual([10, 20, 30]);
  });

  it("maps the data range onto the colour map and greys masked cells", () => {
    const png = heatmapPng([0, 1, 2, 3], 2, 2, { scale: 1, greyed: (r, c) => r === 1 && c === 0 });
    const img = decode(png);
    expect(img.pixel(0, 0)).toEqual([...colour(0)]);
    expect(img.pixel(1, 1)).toEqual([...colour(1)]);
    expect(img.pixel(0, 1)).toEqual([128, 128, 128]);
  });

  it("draws one strip per head with n/w windows", () => {
    const svg = windowLayoutSvg([2, 5, 0], 10);
    expect(svg.match(/<text/g)).toHaveLength(3);
    expect(svg).toContain("head 2: global");
    expect(svg.match(/<rect/g)).toHaveLength(10 / 2 + 10 / 5 + 1);
  });
});

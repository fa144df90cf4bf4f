/**
 * @file The corpus: the inputs issue 9 reported, as bytes built here (so they are reviewable and small
 * in the repository), tried first by every run of the fuzz suite in the fuzz targets' argument form.
 */

import { encode, ExtData } from "@msgpack/msgpack";
import { encodeWav } from "../../src/audio";
import { fromData } from "../../src/ir";
import { encodeFlaxMsgpack, encodeSafetensors } from "../../src/io";

/** A float WAV (32- or 64-bit) of interleaved `samples`, written by hand so any value goes in. */
export const floatWav = (samples: ReadonlyArray<number>, rate = 16000, bits: 32 | 64 = 32, channels = 1): Uint8Array => {
  const width = bits / 8;
  const data = samples.length * width;
  const b = new Uint8Array(44 + data);
  const v = new DataView(b.buffer);
  const tag = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  tag(0, "RIFF");
  v.setUint32(4, 36 + data, true);
  tag(8, "WAVE");
  tag(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 3, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * width * channels, true);
  v.setUint16(32, width * channels, true);
  v.setUint16(34, bits, true);
  tag(36, "data");
  v.setUint32(40, data, true);
  samples.forEach((x, i) => (bits === 32 ? v.setFloat32(44 + i * 4, x, true) : v.setFloat64(44 + i * 8, x, true)));
  return b;
};

const tone = (n: number, bad?: number): number[] =>
  Array.from({ length: n }, (_, i) => (bad !== undefined && i === n >> 1 ? bad : 0.3 * Math.sin(i / 5)));

/** A PCM16 clip whose header declares `rate` Hz. */
const declaredRate = (rate: number): Uint8Array => {
  const b = encodeWav({ sampleRate: 16000, samples: Float32Array.from(tone(16000)) });
  new DataView(b.buffer, b.byteOffset).setUint32(24, rate, true);
  return b;
};

/** WAV files of the issue: NaN, Inf and float64-overflowing samples; 1 Hz and 2 Hz declared rates. */
export const audioCorpus: ReadonlyArray<Uint8Array> = [
  floatWav(tone(4000, Number.NaN)),
  floatWav(tone(4000, Number.POSITIVE_INFINITY)),
  floatWav(tone(4000, 1e300), 16000, 64),
  declaredRate(1),
  declaredRate(2),
];

const weights = { "params/w": fromData([1, 2, 3, 4], [2, 2]), "params/b": fromData([0.5, -0.5], [2]) };

/** A safetensors file whose header length is off by `delta` bytes. */
const offByOne = (delta: number): Uint8Array => {
  const b = encodeSafetensors(weights);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, v.getBigUint64(0, true) + BigInt(delta), true);
  return b;
};

const safetensorsWith = (header: string): Uint8Array => {
  const h = new TextEncoder().encode(header);
  const b = new Uint8Array(8 + h.length);
  new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
  b.set(h, 8);
  return b;
};

const msgpackShape = (shape: unknown): Uint8Array =>
  encode({ params: { w: new ExtData(1, encode([shape, "float32", new Uint8Array(4)])) } });

const deep = (levels: number): Uint8Array => {
  const parts: number[] = [];
  for (let i = 0; i < levels; i++) parts.push(0x81, 0xa1, 0x61);
  parts.push(0xc0);
  return Uint8Array.from(parts);
};

const full = encodeSafetensors(weights);

/** Checkpoints of the issue: header length one byte short (and long), a `null` header, a truncated file, msgpack shapes `null` and `"abc"`, msgpack nested 100,000 deep. */
export const checkpointCorpus: ReadonlyArray<{ kind: "safetensors"; bytes: Uint8Array } | { kind: "msgpack"; bytes: Uint8Array }> = [
  { kind: "safetensors", bytes: offByOne(-1) },
  { kind: "safetensors", bytes: offByOne(1) },
  { kind: "safetensors", bytes: safetensorsWith("null") },
  { kind: "safetensors", bytes: safetensorsWith("[]") },
  { kind: "safetensors", bytes: full.subarray(0, full.length - 5) },
  { kind: "msgpack", bytes: msgpackShape(null) },
  { kind: "msgpack", bytes: msgpackShape("abc") },
  { kind: "msgpack", bytes: deep(100_000) },
  { kind: "msgpack", bytes: encodeFlaxMsgpack(weights).subarray(0, 20) },
];

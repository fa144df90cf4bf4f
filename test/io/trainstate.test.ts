/**
 * @file The official trainer's TrainState checkpoint (test/golden/tiny_trainstate/checkpoint_2): read by
 * content with every dtype Flax writes, its parameters, buffers, step, AdamW state and RNG keys taken
 * apart; written back byte for byte; bad optimiser state refused for resuming only.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import {
  buildTrainState,
  decodeFlaxMsgpack,
  decodeFlaxTree,
  decodeStateDict,
  encodeFlaxTree,
  flaxArrayToHost,
  flaxScalar,
  isFlaxDict,
  maeRngStreams,
  readTrainState,
  sniffStateDict,
  type FlaxArray,
  type FlaxDict,
  type FlaxTree,
} from "../../src/io";

const goldenDir = join(__dirname, "../golden");
const bytes = new Uint8Array(readFileSync(join(goldenDir, "tiny_trainstate/checkpoint_2")));
const right = <A>(x: E.Either<string | { message: string; field?: string }, A>): A => {
  if (E.isLeft(x)) throw new Error(typeof x.left === "string" ? x.left : `${x.left.field ?? ""}: ${x.left.message}`);
  return x.right;
};

describe("a TrainState checkpoint as the official trainer writes it", () => {
  it("is recognised by content (a msgpack map, no extension) and decodes to the eight fields in order", () => {
    expect(sniffStateDict(bytes)).toBe("flax-msgpack");
    const tree = right(decodeFlaxTree(bytes, "checkpoint_2"));
    expect(isFlaxDict(tree)).toBe(true);
    expect([...(tree as FlaxDict).keys()]).toEqual([
      "step",
      "batch_stats",
      "buffers",
      "dynamic_scale",
      "params",
      "frozen_params",
      "aux_rng_keys",
      "opt_state",
    ]);
    expect((tree as FlaxDict).get("dynamic_scale")).toBeNull();
  });

  it("re-encodes the decoded tree to the same bytes", () => {
    const again = encodeFlaxTree(right(decodeFlaxTree(bytes, "checkpoint_2")));
    expect(again.length).toBe(bytes.length);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it("reads step, parameters, buffers, AdamW state, schedule count and the seven uint32 keys", () => {
    const sd = right(decodeStateDict(bytes, "checkpoint_2"));
    const ts = sd.trainState!;
    expect(ts.step).toBe(2);
    expect(Object.keys(ts.params)).toHaveLength(67);
    expect(ts.params["decoder_block_00/wmha_block/attn_heads_2/relative_position_bias_table"]!.shape).toEqual([15, 1]);
    expect(Array.from(ts.buffers["decoder_block_00/wmha_block/attn_heads_0/relative_position_index"]!.data)).toEqual([1, 0, 2, 1]);
    const adam = right(ts.optimizer);
    expect(adam.count).toBe(2);
    expect(adam.scheduleCount).toBe(2);
    expect(Object.keys(adam.mu).sort()).toEqual(Object.keys(ts.params).sort());
    expect(Object.keys(ts.auxRngKeys).sort()).toEqual([...maeRngStreams].sort());
    expect(ts.auxRngKeys["gumbel"]).toEqual([6, 43]);
    expect(Object.keys(sd.tensors).filter((k) => k.startsWith("params/"))).toHaveLength(67);
    expect(Object.keys(sd.tensors).filter((k) => k.startsWith("buffers/"))).toHaveLength(6);
    expect(sd.ignored).toEqual([
      "batch_stats (empty)",
      "dynamic_scale (nil)",
      "frozen_params (empty)",
      `aux_rng_keys (${["additive_noise", "drop_path", "dropout", "gumbel", "mixup", "random_masking", "spec_aug"].join(", ")}: kept for export, not used here)`,
    ]);
  });

  it("builds the same bytes from the parts it read", () => {
    const ts = right(decodeStateDict(bytes, "checkpoint_2")).trainState!;
    const built = encodeFlaxTree(
      buildTrainState({ step: ts.step, params: ts.params, buffers: ts.buffers, adam: right(ts.optimizer), auxRngKeys: ts.auxRngKeys }),
    );
    expect(Buffer.from(built).equals(Buffer.from(bytes))).toBe(true);
  });

  it("refuses an optimiser state that does not match the parameters for resuming, and says why, but keeps the parameters", () => {
    const tree = right(decodeFlaxTree(bytes, "checkpoint_2")) as FlaxDict;
    const opt = tree.get("opt_state") as FlaxDict;
    const adam = opt.get("0") as FlaxDict;
    const mu = new Map(adam.get("mu") as FlaxDict);
    mu.delete("decoder_pred");
    const broken = new Map(tree).set("opt_state", new Map(opt).set("0", new Map(adam).set("mu", mu)));
    const sd = right(decodeStateDict(encodeFlaxTree(broken), "broken"));
    expect(E.isLeft(sd.trainState!.optimizer)).toBe(true);
    expect(sd.ignored.at(-1)).toBe('opt_state (opt_state/0/mu lacks "decoder_pred/bias": not usable for resuming)');
    expect(Object.keys(sd.tensors).filter((k) => k.startsWith("params/"))).toHaveLength(67);
  });

  it("names the first parameter that is not an array", () => {
    const tree = right(decodeFlaxTree(bytes, "checkpoint_2")) as FlaxDict;
    const params = new Map(tree.get("params") as FlaxDict).set("mask_token", "oops");
    const read = readTrainState(new Map(tree).set("params", params), "bad");
    expect(E.isLeft(read) && `${read.left.field}: ${read.left.message}`).toBe("params/mask_token: is string, not an array");
    const orbax = readTrainState(new Map(tree).set("params", params.set("mask_token", "PLACEHOLDER://params.mask_token")), "orbax");
    expect(E.isLeft(orbax) && orbax.left.message).toBe(
      "is an Orbax placeholder: the array is kept in a separate file, which this project cannot read",
    );
  });
});

describe("every dtype Flax writes", () => {
  const leaf = (dtype: string, values: ArrayBufferView): FlaxArray => ({
    kind: "array",
    shape: [values.byteLength / (values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT],
    dtype,
    bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
  const host = (a: FlaxArray) => right(flaxArrayToHost(a, a.dtype, "mem"));

  it("reads integers exactly as i32 and refuses values that do not fit", () => {
    expect(Array.from(host(leaf("uint32", Uint32Array.of(0, 2 ** 31 - 1))).data)).toEqual([0, 2 ** 31 - 1]);
    expect(Array.from(host(leaf("int8", Int8Array.of(-128, 127))).data)).toEqual([-128, 127]);
    expect(Array.from(host(leaf("uint16", Uint16Array.of(65535))).data)).toEqual([65535]);
    expect(Array.from(host(leaf("int64", BigInt64Array.of(-5n))).data)).toEqual([-5]);
    const big = flaxArrayToHost(leaf("uint32", Uint32Array.of(1, 2 ** 32 - 1)), "aux_rng_keys/dropout", "mem");
    expect(E.isLeft(big) && big.left.message).toBe("uint32 value 4294967295 (element 1) does not fit int32");
  });

  it("widens float16 and bfloat16 exactly, narrows float64, keeps bool", () => {
    expect(Array.from(host(leaf("float16", Uint16Array.of(0x3c00, 0xc000, 0x3555))).data)).toEqual([1, -2, 0.333251953125]);
    expect(Array.from(host(leaf("bfloat16", Uint16Array.of(0x3f80, 0x4049))).data)).toEqual([1, 3.140625]);
    expect(Array.from(host(leaf("float64", Float64Array.of(0.1))).data)).toEqual([Math.fround(0.1)]);
    expect(host(leaf("bool", Uint8Array.of(1, 0))).dtype).toBe("bool");
  });

  it("round-trips NumPy scalars (extension 3), nil, numbers and strings byte for byte", () => {
    const tree: FlaxTree = new Map<string, FlaxTree>([
      ["s", { ...flaxScalar("int32", 7), npScalar: true }],
      ["n", null],
      ["x", 1.5],
      ["i", 300],
      ["t", "text"],
      ["10", new Map()],
      ["2", new Map()],
    ]);
    const b = encodeFlaxTree(tree);
    const back = right(decodeFlaxTree(b, "mem")) as FlaxDict;
    expect([...back.keys()]).toEqual(["s", "n", "x", "i", "t", "10", "2"]);
    expect(Buffer.from(encodeFlaxTree(back)).equals(Buffer.from(b))).toBe(true);
  });

  it("gives decodeFlaxMsgpack's flat tensors the same dtype support", () => {
    const tree = new Map<string, FlaxTree>([
      ["params", new Map<string, FlaxTree>([["w", leaf("bfloat16", Uint16Array.of(0x3f80, 0xc000))]])],
      ["count", leaf("uint16", Uint16Array.of(7))],
    ]);
    const flat = right(decodeFlaxMsgpack(encodeFlaxTree(tree), "mem"));
    expect(Array.from(flat["params/w"]!.data)).toEqual([1, -2]);
    expect(flat["count"]!.dtype).toBe("i32");
  });

  it("refuses a dtype it does not know, naming the path", () => {
    const bad = encodeFlaxTree(new Map([["w", { kind: "array", shape: [1], dtype: "float8_e4m3", bytes: Uint8Array.of(0) } as FlaxArray]]));
    const out = decodeFlaxTree(bad, "f");
    expect(E.isLeft(out) && `${out.left.field}: ${out.left.message}`).toBe("w: unknown dtype float8_e4m3");
  });
});

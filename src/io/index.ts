/** @file io: tensor codecs that run anywhere (JSON, safetensors, Flax msgpack); files on disk are in ./node.ts. */
export * from "./tensor-json.js";
export * from "./safetensors.js";
export * from "./flax-msgpack.js";
export * from "./flax-tree.js";
export * from "./trainstate.js";
export * from "./state-dict.js";
export * from "./finite.js";

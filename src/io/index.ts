/** @file Files and outside data, decoded with io-ts into `Either`. */
export * from "./tensor-json";
export * from "./atomic";
export * from "./safetensors";
export * from "./flax-msgpack";
export * from "./checkpoint";

/** @file Layers as pure functions over typed parameter records named as the official Flax modules. */
export * from "./init.js";
export * from "./windows.js";
export * from "./dense.js";
export * from "./mlp.js";
export * from "./attention.js";
export * from "./window-attention.js";
export * from "./multi-window-attention.js";
export * from "./masked-windows.js";
export * from "./block.js";

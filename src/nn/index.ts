/** @file Layers as pure functions over typed parameter records named as the official Flax modules. */
export * from "./init";
export * from "./windows";
export * from "./dense";
export * from "./mlp";
export * from "./attention";
export * from "./window-attention";
export * from "./multi-window-attention";
export * from "./masked-windows";
export * from "./block";

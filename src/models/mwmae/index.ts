/** @file MW-MAE and the plain MAE, declared on the DSL: config, patches, masking, model, features. */
export * from "./config.js";
export * from "./presets.js";
export * from "./official.js";
export * from "./patches.js";
export * from "./positions.js";
export * from "./masking.js";
export * from "./param-spec.js";
export * from "./params.js";
export * from "./encoder.js";
export * from "./decoder.js";
export * from "./model.js";
export * from "./features.js";
export * from "./hear.js";
export * from "./param-table.js";
export * from "./typed.js";

/** @file MW-MAE and the plain MAE, declared on the DSL: config, patches, masking, model, features. */
export * from "./config";
export * from "./presets";
export * from "./official";
export * from "./patches";
export * from "./positions";
export * from "./masking";
export * from "./param-spec";
export * from "./params";
export * from "./encoder";
export * from "./decoder";
export * from "./model";
export * from "./features";
export * from "./hear";
export * from "./param-table";
export * from "./typed";

/** @file Introspection for teaching and reports: heatmaps, window layouts, PNG output. */
export * from "./png";
export * from "./heatmap";
export * from "./windows-svg";

/** @file Introspection for teaching and reports: heatmaps, window layouts, PNG output. */
export * from "./png.js";
export * from "./heatmap.js";
export * from "./windows-svg.js";

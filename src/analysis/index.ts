/**
 * @file Introspection for teaching and research, browser-safe: attention statistics per head
 * (entropy, mean distance), representation similarity (CCA, PWCCA, linear CKA), the model's
 * attention maps and layer representations, and drawings for reports (heatmaps, window layouts, PNG).
 */
export * from "./png.js";
export * from "./heatmap.js";
export * from "./windows-svg.js";
export * from "./attention-stats.js";
export * from "./cca.js";
export * from "./capture.js";
export * from "./analyze.js";
export * from "./compare.js";
export * from "./report.js";

/** @file Reports: self-contained HTML pages, result tables, reconstruction pictures, the demo's report. */
export * from "./html.js";
export * from "./probe-table.js";
export * from "./reconstruction.js";
export * from "./demo-report.js";
export * from "./bar-chart.js";

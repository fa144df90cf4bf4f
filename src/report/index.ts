/** @file Reports: self-contained HTML pages, result tables, reconstruction pictures, the demo's report. */
export * from "./html";
export * from "./probe-table";
export * from "./reconstruction";
export * from "./demo-report";

/** @file The reference interpreter backend. */
export * from "./interpreter.js";

/** @file Reverse-mode autodiff as graph transforms. */
export * from "./vjp.js";

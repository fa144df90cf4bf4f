/** @file The `mwmae` command line (Node-only). */
export { main, commands } from "./main.js";

/**
 * @file mwmae-ts/node: what needs Node (files, WAV from disk, checkpoints on disk, HEAR task folders,
 * pre-training runs, the CLI). Import the core from `mwmae-ts` beside it.
 */
export * from "./io/node.js";
export * from "./audio/node.js";
export * from "./hear/node.js";
export * from "./train/index.js";
export { main as cli, commands } from "./cli/index.js";

/** @file audio, Node-only: WAV files and folders of clips on disk. */
export * from "./wav-file.js";
export * from "./directory.js";

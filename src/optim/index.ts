/** @file Optimisers as pure functions of (params, grads, state): AdamW, its decay mask, and schedules. */
export * from "./adamw.js";
export * from "./mask.js";
export * from "./schedule.js";

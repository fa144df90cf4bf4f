/** @file Optimisers as pure functions of (params, grads, state): AdamW, its decay mask, and schedules. */
export * from "./adamw";
export * from "./mask";
export * from "./schedule";

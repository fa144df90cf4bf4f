/**
 * @file The buffer plan: each kernel output lives from the kernel that writes it to the last kernel
 * that reads it (graph outputs to the end), and takes a slot freed by a dead buffer when one is large
 * enough (best fit), else a new slot. Inputs and constants belong to the caller and are not planned.
 * Peak bytes are the largest total of live planned buffers at any kernel.
 */

import { BYTES_PER_ELEMENT, type BufferInfo, type BufferPlan, type Kernel } from "./kernel-ir.js";

/** Plans slots for the kernel outputs of a schedule. */
export const planBuffers = (
  buffers: ReadonlyArray<BufferInfo>,
  kernels: ReadonlyArray<Kernel>,
  outputs: ReadonlyArray<number>,
): BufferPlan => {
  const lastUse = new Map<number, number>(buffers.map((b) => [b.id, -1]));
  kernels.forEach((k, i) => k.inputs.forEach((b) => lastUse.set(b, i)));
  const end = kernels.length;
  const until = (id: number): number => (outputs.includes(id) ? end : lastUse.get(id)!);

  const slotOf = new Map<number, number>();
  const slotBytes: number[] = [];
  const freeAt: Array<{ slot: number; after: number }> = [];
  let peakBytes = 0;
  const liveBuffers: Array<{ bytes: number; until: number }> = [];
  kernels.forEach((k, i) => {
    const bytes = buffers[k.output]!.size * BYTES_PER_ELEMENT;
    // A slot is free for kernel i when its tenant's last reader ran before i.
    const free = freeAt.filter((f) => f.after < i).sort((a, b) => slotBytes[a.slot]! - slotBytes[b.slot]!);
    const fit = free.find((f) => slotBytes[f.slot]! >= bytes) ?? free[free.length - 1];
    let slot: number;
    if (fit === undefined) {
      slot = slotBytes.length;
      slotBytes.push(bytes);
    } else {
      slot = fit.slot;
      freeAt.splice(freeAt.indexOf(fit), 1);
      slotBytes[slot] = Math.max(slotBytes[slot]!, bytes);
    }
    slotOf.set(k.output, slot);
    freeAt.push({ slot, after: Math.max(i, until(k.output)) });
    liveBuffers.push({ bytes, until: Math.max(i, until(k.output)) });
    const live = liveBuffers.reduce((a, b) => (b.until >= i ? a + b.bytes : a), 0);
    peakBytes = Math.max(peakBytes, live);
  });
  return { slotOf, slotBytes, lastUse, peakBytes, plannedBytes: slotBytes.reduce((a, b) => a + b, 0) };
};

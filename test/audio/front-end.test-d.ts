/** @file Static shapes of the front-end: the frame count is dynamic, mels and crops are literal. */

import { expectTypeOf } from "vitest";
import { input, type Tensor } from "../../src";
import { cropFrames, frames, logMel, randomCrop, standardize } from "../../src/audio";
import { key } from "../../src/random";

const clip = input("clip", [32000] as const);
const batch = input("batch", [8, 32000] as const);

expectTypeOf(logMel(clip)).toEqualTypeOf<Tensor<readonly [number, 80]>>();
expectTypeOf(logMel(batch)).toEqualTypeOf<Tensor<readonly [8, number, 80]>>();
expectTypeOf(frames(clip)).toEqualTypeOf<Tensor<readonly [number, number]>>();
expectTypeOf(standardize(logMel(batch))).toEqualTypeOf<Tensor<readonly [8, number, 80]>>();
expectTypeOf(randomCrop(key(0), standardize(logMel(clip)))).toEqualTypeOf<Tensor<readonly [200, 80]>>();
expectTypeOf(cropFrames(logMel(batch), 0, 100)).toEqualTypeOf<Tensor<readonly [8, 100, 80]>>();
// @ts-expect-error a spectrogram has rank >= 2: a raw signal is not one
standardize(clip);

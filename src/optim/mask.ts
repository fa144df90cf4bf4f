/**
 * @file Which parameters get weight decay: a predicate over parameter paths (`encoder_block_00/
 * Attention_0/Dense_0/kernel`, Flax's names as the model uses them). The default decays the weight
 * matrices (every `kernel`, and anything not named below) and nothing else.
 */

/** True where AdamW applies weight decay to the parameter at `path`. */
export type DecayMask = (path: string) => boolean;

/**
 * Parameters that must not decay, and why (each pattern matches a path segment):
 * - `bias`: biases shift, they do not scale; shrinking them towards 0 regularises nothing and only
 *   biases the activations.
 * - `scale` and anything under a `*norm*`/`LayerNorm_*` module: LayerNorm gains belong near 1 and its
 *   biases near 0; decay would shrink normalised activations and fight the normalisation itself.
 * - `mask_token`, `cls_token`: single learned vectors that stand in for inputs; decay pulls them
 *   towards the zero vector, which is not a neutral input after LayerNorm.
 * - `pos_embed`, `decoder_pos_embed`: fixed sin-cos tables that the official code keeps among the
 *   parameters; they receive no gradient, so decay would be their only update and would erase them.
 * - `relative_position_bias_table`: additive attention biases (logit offsets), biases in all but
 *   name; the MW-MHA heads need them free to express locality.
 */
export const noDecayPatterns: ReadonlyArray<RegExp> = [
  /^bias$/,
  /^scale$/,
  /norm/i,
  /^(mask|cls)_token$/,
  /pos_embed$/,
  /^relative_position_bias_table$/,
];

/**
 * The default mask: decay unless some segment of the path matches `noDecayPatterns`.
 * @example
 * defaultDecayMask("decoder_block_00/Mlp_0/Dense_0/kernel"); // true
 * defaultDecayMask("decoder_block_00/LayerNorm_0/scale"); // false
 */
export const defaultDecayMask: DecayMask = (path) => !path.split("/").some((segment) => noDecayPatterns.some((p) => p.test(segment)));

/** Decay everywhere (plain AdamW without a mask, optax's `mask=None`). */
export const decayAll: DecayMask = () => true;

/**
 * @file Runs and the official JAX trainer, both ways. In: a `TrainState` checkpoint's parameters,
 * AdamW moments, step and schedule position become a run's starting state (`resumePoint`), checked
 * against the config. Out: a run's state becomes a `TrainState` in exactly the trainer's layout
 * (`officialTrainState`), and its setup the trainer's `configs/pretraining/*.py` file
 * (`officialConfigPy`), so the run continues on an accelerator pod with one command.
 */

import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { HostTensor } from "../ir/index.js";
import { buildTrainState, maeRngStreams, type FlaxDict, type OfficialTrainState } from "../io/index.js";
import { geometry, loadParams, type HostParams, type MwmaeConfig } from "../models/mwmae/index.js";
import type { HostAdamWState } from "../optim/index.js";
import { split, type Key } from "../random/index.js";
import { isOfficialOptimizer } from "./config.js";
import type { RunSetup, TrainState } from "./state.js";
import { flatTensors, officialBuffers, paramsFromTensors } from "./weights.js";

/** Where a run starts when it continues a trainer's checkpoint. */
export interface ResumePoint {
  /** Optimiser steps already taken (the TrainState's `step`). */
  readonly step: number;
  readonly params: HostParams;
  readonly opt: HostAdamWState<HostParams>;
  /** The trainer's RNG keys, carried unchanged so that an export writes them back. */
  readonly auxRngKeys: Readonly<Record<string, ReadonlyArray<number>>>;
}

const prefixed = (prefix: string, flat: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> =>
  Object.fromEntries(Object.entries(flat).map(([p, t]) => [`${prefix}/${p}`, t]));

/**
 * A run's starting state from a TrainState: parameters checked against `cfg` (the first bad tensor
 * named), then the AdamW state, which must match them and agree with the step; otherwise `Left` says
 * why it cannot be resumed (the parameters remain usable for embedding).
 * @example
 * resumePoint(cfg, stateDict.trainState!, "workdir/checkpoint_2"); // Right({ step: 2, params, opt, auxRngKeys })
 */
export const resumePoint = (cfg: MwmaeConfig, ts: OfficialTrainState, source: string): E.Either<string, ResumePoint> => {
  const refuse = (why: string) => E.left<string, ResumePoint>(`${source}: cannot resume: ${why} (its parameters are usable for embedding)`);
  const params = paramsFromTensors(cfg, prefixed("params", ts.params), source);
  if (E.isLeft(params)) return params;
  if (E.isLeft(ts.optimizer)) return refuse(`the optimiser state does not match: ${ts.optimizer.left}`);
  const adam = ts.optimizer.right;
  if (adam.count !== ts.step || adam.scheduleCount !== ts.step)
    return refuse(`step ${ts.step}, AdamW count ${adam.count} and schedule count ${adam.scheduleCount} differ (gradient accumulation?)`);
  const moments = (which: "mu" | "nu") =>
    pipe(
      loadParams(cfg, adam[which]),
      E.mapLeft((e) => `opt_state/0/${which}/${e.path}: ${e.message}`),
    );
  const mu = moments("mu");
  const nu = moments("nu");
  if (E.isLeft(mu)) return refuse(mu.left);
  if (E.isLeft(nu)) return refuse(nu.left);
  const step: HostTensor<readonly []> = { shape: [], dtype: "i32", data: Int32Array.of(adam.count) };
  return E.right({ step: ts.step, params: params.right, opt: { step, mu: mu.right, nu: nu.right }, auxRngKeys: ts.auxRngKeys });
};

/**
 * The MAE trainer's seven auxiliary RNG keys for a run that never had any: split from its root key
 * (the trainer's streams are not this project's, so any fixed keys serve; these are reproducible).
 */
export const derivedRngKeys = (root: Key): Record<string, ReadonlyArray<number>> => {
  const keys = split(root, maeRngStreams.length);
  return Object.fromEntries(maeRngStreams.map((name, i) => [name, [...keys[i]!.words]]));
};

const relative = (tree: unknown, prefix: string): Record<string, HostTensor> =>
  Object.fromEntries(Object.entries(flatTensors(tree, prefix)).map(([p, t]) => [p.slice(prefix.length + 1), t]));

/**
 * A run's state as the trainer's TrainState (`encodeFlaxTree` of it is `checkpoint_<step>`): the
 * parameters, the derived buffers, AdamW's moments and count, the schedule at the same count, and
 * the RNG keys the run carried from a trainer checkpoint (else `derivedRngKeys`).
 * @example
 * writeFileAtomic(join(out, `checkpoint_${state.step}`), encodeFlaxTree(await officialTrainState(setup, state)));
 */
export const officialTrainState = async (setup: RunSetup, state: TrainState): Promise<FlaxDict> => {
  const buffers = Object.fromEntries(Object.entries(await officialBuffers(setup.model)).map(([p, t]) => [p.slice("buffers/".length), t]));
  const count = state.opt.step.data[0]!;
  return buildTrainState({
    step: state.step,
    params: relative(state.params, "p"),
    buffers,
    adam: { count, mu: relative(state.opt.mu, "m"), nu: relative(state.opt.nu, "n"), scheduleCount: count },
    auxRngKeys: state.auxRngKeys ?? derivedRngKeys(state.key),
  });
};

/** The official encoder sizes by arch name (`mae_<name>`); any other encoder has no official arch. */
const officialArchs: ReadonlyArray<readonly [string, number, number, number]> = [
  ["tiny", 192, 12, 3],
  ["small", 384, 12, 6],
  ["medium", 512, 12, 8],
  ["base", 768, 12, 12],
  ["large", 1024, 24, 16],
  ["huge", 1280, 32, 16],
];

/** The official arch name of a config's encoder, or `Left` saying that there is none. */
export const officialArch = (cfg: MwmaeConfig): E.Either<string, string> => {
  const { dim, depth, heads } = cfg.encoder;
  const arch = officialArchs.find(([, d, l, h]) => d === dim && l === depth && h === heads);
  return arch === undefined
    ? E.left(
        `the encoder ${dim}/${depth}/${heads} (width/depth/heads) is none of the official archs (${officialArchs.map(([n, d, l, h]) => `mae_${n} ${d}/${l}/${h}`).join(", ")}): the official trainer cannot build it`,
      )
    : E.right(`mae_${arch[0]}`);
};

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const py = (x: number | boolean | ReadonlyArray<number>): string =>
  typeof x === "boolean" ? (x ? "True" : "False") : typeof x === "number" ? String(x) : `[${x.join(", ")}]`;

/**
 * The official trainer's config file (`configs/pretraining/*.py`, as the released
 * `mwmae_base_200_4x16_precomputed.py`) for a run: its model arguments, AdamW and schedule in steps
 * (steps_per_epoch chosen so that warm-up and total are whole epochs, exactly this run's), batch size;
 * the data manifests are the released AudioSet ones under `$DATASETS_BASE_DIR`. `Left` when the
 * encoder has no official arch.
 * @example
 * officialConfigPy(setup, { step: 2, command: "python main.py --config … --workdir …" }); // Right("import ml_collections\n…")
 */
export const officialConfigPy = (setup: RunSetup, note: { readonly step: number; readonly command: string }): E.Either<string, string> =>
  pipe(
    officialArch(setup.model),
    E.map((arch) => {
      const { model: m, train } = setup;
      const g = geometry(m);
      const perEpoch = train.warmupSteps === 0 ? train.steps : gcd(train.warmupSteps, train.steps);
      const windows = m.kind === "mwmae" ? py(g.windows) : "0";
      return [
        `# Written by mwmae-ts (mwmae export --to official-trainstate) for a run at step ${note.step} of ${train.steps}.`,
        `# Continue it on an accelerator pod, with checkpoint_${note.step} in the work folder:`,
        `#   ${note.command}`,
        "# The schedule is this run's, in steps: warm-up warmup_epochs × steps_per_epoch, cosine decay to",
        "# num_train_steps (the official trainer checkpoints once per epoch).",
        ...(isOfficialOptimizer(train)
          ? []
          : [
              "# This run used --optimizer project (no decay on biases, norms, tokens and tables; fixed position",
              "# tables); the official trainer's optax.adamw decays every parameter and trains the tables.",
            ]),
        "import ml_collections",
        "import os",
        'DATASETS_DIR = os.environ.get("DATASETS_BASE_DIR", "")',
        "",
        "",
        "def get_config():",
        "    config = ml_collections.ConfigDict()",
        "",
        "    config.model = ml_collections.ConfigDict()",
        `    config.model.arch = "${arch}"`,
        '    config.model.type = "mae"',
        "    config.model.num_classes = 1000     # needed for dataset parsing. Is not used.",
        "    config.model.model_args = {",
        `        "mask_ratio": ${py(m.maskRatio)},`,
        `        "img_size": (${m.input.frames}, ${m.input.mels}),`,
        `        "patch_size": (${m.patch.time}, ${m.patch.freq}),`,
        '        "window_sizes": 0,',
        `        "decoder_window_sizes": ${windows},`,
        `        "decoder_num_heads": ${m.decoder.heads},`,
        `        "decoder_depth": ${m.decoder.depth},`,
        `        "decoder_embed_dim": ${m.decoder.dim},`,
        `        "mlp_ratio": ${m.mlpRatio},`,
        `        "use_cls_token": ${py(m.useClsToken)},`,
        "    }",
        "    config.model.patch_embed_args = ml_collections.ConfigDict()",
        "",
        "    config.opt = ml_collections.ConfigDict()",
        '    config.opt.optimizer = "Adamw"',
        `    config.opt.learning_rate = ${train.baseLr}`,
        `    config.opt.weight_decay = ${train.weightDecay}`,
        '    config.opt.schedule = "warmupcosine"',
        `    config.opt.warmup_epochs = ${train.warmupSteps / perEpoch}`,
        "    config.opt.momentum = 0.9",
        "    config.opt.norm_pix_loss = False",
        "",
        "    config.log_every_steps = 100",
        `    config.num_train_steps = ${train.steps}`,
        `    config.steps_per_epoch = ${perEpoch}`,
        "    config.steps_per_eval = -1",
        "",
        "    config.audio_config = ml_collections.ConfigDict()",
        "    config.audio_config.normalize_spec = True",
        "    config.audio_config.sample_rate = 16000",
        '    config.audio_config.features = "precomputed"',
        "    config.audio_config.min_duration = None  # min duration in seconds",
        `    config.audio_config.timesteps = ${m.input.frames}`,
        "",
        "    config.data = ml_collections.ConfigDict()",
        '    config.data.tr_manifest = os.path.join(DATASETS_DIR, "audioset_logmelspec/meta/unbalanced_full.csv")',
        '    config.data.eval_manifest = os.path.join(DATASETS_DIR, "audioset_logmelspec/meta/eval.csv")',
        "    config.data.tr_samples = 2032320",
        "    config.data.eval_samples = 17408",
        '    config.data.compression = "ZLIB"',
        '    config.data.reader = "spec"',
        "    config.data.cacheable = False",
        "    config.data.jax_transforms = True",
        '    config.data.dataset_name = "audioset"',
        "",
        `    config.batch_size = ${train.batch}`,
        "    config.shuffle_buffer_multiplier = 500",
        '    config.precision = "float32"  # the paper trained in "bfloat16"; float32 stays closest to this project',
        `    config.input_shape = (${m.input.frames}, ${m.input.mels}, 1)`,
        `    config.num_epochs = ${train.steps / perEpoch}`,
        "    config.device = None",
        "",
        "    config.wandb = ml_collections.ConfigDict()",
        '    config.wandb.project = "mw_mae_v2"',
        "",
        "    return config",
        "",
      ].join("\n");
    }),
  );

/**
 * @file `mwmae inspect`: the JSON for the base preset agrees with the official parameter list
 * (test/golden/names_base.json), the readable report shows the windows per head and the graph, and a
 * checkpoint is checked against the config, naming the first tensor that does not fit.
 */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mwmae } from "./mwmae-process";

interface OfficialNames {
  readonly [model: string]: {
    readonly num_param_tensors: number;
    readonly num_param_scalars: number;
    readonly params: Record<string, number[]>;
  };
}
const names = JSON.parse(readFileSync(new URL("../golden/names_base.json", import.meta.url), "utf8")) as OfficialNames;
const golden = (name: string): string => `test/golden/${name}`;

describe("mwmae inspect", () => {
  it("prints the base preset's counts, grid, n and decoder windows as JSON", async () => {
    const { code, stdout } = await mwmae("inspect", "--json", "--preset", "mwmae-base-4x16");
    expect(code).toBe(0);
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document probed field by field
    const r = JSON.parse(stdout) as Record<string, any>;
    const official = names["mwmae_base_200_4x16"]!;
    expect(r["params"]).toMatchObject({ total: official.num_param_scalars, tensors: official.num_param_tensors });
    const encoder = Object.entries(official.params)
      .filter(([p]) => /^params\/(patch_embed|pos_embed|encoder_)/.test(p))
      .reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
    expect(r["params"].encoder).toBe(encoder);
    expect(r["params"].encoder + r["params"].decoder).toBe(official.num_param_scalars);
    expect(r["grid"]).toEqual([50, 5]);
    expect(r["n"]).toBe(250);
    expect(r["keep"]).toBe(50);
    expect(r["decoderWindows"]).toEqual([2, 5, 10, 25, 50, 125, 0, 0]);
    expect(r["heads"][0]).toEqual({ head: 0, window: 2, global: false, windows: 125, biasEntries: 3 });
    expect(r["graph"].nodes).toBe(Object.values(r["graph"].byOp as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(r["graph"].byOp.matmul).toBeGreaterThan(0);
    expect(r["graph"].kernels).toBeGreaterThan(0);
  });

  it("counts the plain MAE (with the official class token) like the official code", async () => {
    const { code, stdout } = await mwmae("inspect", "--json", "--graph", "none", "--preset", "mae-base-4x16");
    expect(code).toBe(0);
    const official = names["mae_base_200_4x16"]!;
    expect(JSON.parse(stdout).params).toMatchObject({ total: official.num_param_scalars, tensors: official.num_param_tensors });
  });

  it("reads as a summary with the windows per head and the graph", async () => {
    const { code, stdout } = await mwmae("inspect", "--preset", "mwmae-tiny-4x16");
    expect(code).toBe(0);
    expect(stdout).toMatch(/grid 50×5, n = 250 patches of 64 values/);
    expect(stdout).toMatch(/head 5: window 125 → 2 windows, 249 relative-position biases/);
    expect(stdout).toMatch(/head 7: global/);
    expect(stdout).toMatch(/graph: pre-training loss \(forward\), batch 1: \d+ nodes, \d+ kernels/);
  });

  it("checks an official checkpoint against an official config file", async () => {
    const ok = await mwmae(
      "inspect",
      "--json",
      "--graph",
      "none",
      "--config",
      golden("tiny_mwmae.config.json"),
      "--checkpoint",
      golden("tiny_mwmae.msgpack"),
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).checkpoint).toEqual({
      file: golden("tiny_mwmae.msgpack"),
      format: "flax-msgpack",
      tensors: 73,
      matchesConfig: true,
    });
    const bad = await mwmae(
      "inspect",
      "--graph",
      "none",
      "--config",
      golden("tiny_mwmae.config.json"),
      "--encoder",
      "64/2/2",
      "--checkpoint",
      golden("tiny_mwmae.msgpack"),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /tensor "params\/patch_embed\/proj\/kernel" does not match the config: .* has shape \[4, 4, 1, 32\], the config needs \[4, 4, 1, 64\]/,
    );
  });

  it("takes the config an official safetensors checkpoint records", async () => {
    const { code, stdout } = await mwmae("inspect", "--json", "--graph", "none", "--checkpoint", golden("tiny_mwmae.safetensors"));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ n: 16, decoderWindows: [2, 4, 8, 0], checkpoint: { matchesConfig: true } });
  });

  it("exits 2 naming an unknown flag, a bad flag value, or a bad config field", async () => {
    const [unknown, value, field, preset] = await Promise.all([
      mwmae("inspect", "--preset", "mwmae-base-4x16", "--frobnicate"),
      mwmae("inspect", "--patch", "4by16"),
      mwmae("inspect", "--preset", "mwmae-base-4x16", "--windows", "2,5,7,0,0,0,0,0"),
      mwmae("inspect", "--preset", "mwmae-giant-4x16"),
    ]);
    expect([unknown.code, value.code, field.code, preset.code]).toEqual([2, 2, 2, 2]);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'/);
    expect(value.stderr).toMatch(/--patch: expected AxB/);
    expect(field.stderr).toMatch(/decoder\.windows\[2\]: window 7 does not divide the 250 patches/);
    expect(preset.stderr).toMatch(/--preset: unknown preset "mwmae-giant-4x16"/);
  });
});

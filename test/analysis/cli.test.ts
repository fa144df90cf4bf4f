/**
 * @file `mwmae analyze` as a user runs it (node bin/mwmae.js, the compiled CLI): the tiny HEAR golden
 * model on two golden clips, one JSON object with per-head entries and the PWCCA/CKA matrices, the
 * same model in its two checkpoint formats compared layer by layer, `--out` files, and the one-line
 * errors for a clip shorter than one chunk, encoders of different depth and models of different input.
 */

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io";
import { mwmae, root } from "../cli/mwmae-process";

const golden = (name: string): string => join(root, "test/golden", name);
const model = ["--checkpoint", golden("tiny_hear.safetensors"), "--config", golden("tiny_hear.config.json")];
const clips = [golden("audio/hear_clip_3p3s.wav"), golden("audio/speech_espeak.wav")];

interface Head {
  part: string;
  layer: number;
  head: number;
  window: number;
  entropy: number;
  distance: number;
  distanceMs: number;
}
interface Report {
  model: { heads: Head[] };
  compare?: { heads: Head[] };
  chunks: number;
  similarity: { pwcca: number[][]; cka: number[][]; datapoints: number; rows: string; columns: string };
}

describe("mwmae analyze", () => {
  let report: Report;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mwmae-analyze-"));
    const r = await mwmae("analyze", ...model, "--compare", golden("tiny_hear.msgpack"), "--json", "--out", dir, ...clips);
    expect(r.stderr).toContain("wrote");
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout) as Report;
  }, 120_000);

  it("prints one JSON object with every head labelled by part, layer and window", () => {
    expect(report.chunks).toBe(2); // 3.3 s and 2.17 s: one whole 2 s chunk each
    expect(report.model.heads.map((h) => `${h.part} ${h.layer}.${h.head} w${h.window}`)).toEqual([
      ...["encoder 0.0 w0", "encoder 0.1 w0", "encoder 1.0 w0", "encoder 1.1 w0"],
      ...["decoder 0.0 w2", "decoder 0.1 w5", "decoder 0.2 w25", "decoder 0.3 w0"],
      ...["decoder 1.0 w2", "decoder 1.1 w5", "decoder 1.2 w25", "decoder 1.3 w0"],
    ]);
    for (const h of report.model.heads) {
      expect(h.entropy).toBeGreaterThan(0);
      expect(h.entropy).toBeLessThanOrEqual(Math.log(h.window === 0 ? 250 : h.window) + 1e-9);
      if (h.window > 0) expect(h.distance).toBeLessThan(h.window);
    }
  });

  it("compares the same weights from the two checkpoint formats: CKA 1 and PWCCA 1 − ε on the diagonal", () => {
    expect(report.compare?.heads).toEqual(report.model.heads);
    expect(report.similarity.datapoints).toBe(500);
    expect([report.similarity.rows, report.similarity.columns]).toEqual(["A", "B"]);
    for (const i of [0, 1]) {
      expect(Math.abs(report.similarity.cka[i]![i]! - 1)).toBeLessThan(1e-9);
      expect(Math.abs(report.similarity.pwcca[i]![i]! - 1)).toBeLessThan(1e-4);
    }
    expect(report.similarity.pwcca[0]![1]!).toBeLessThan(0.999);
  });

  it("writes the JSON and an HTML page with the heat maps", () => {
    expect(JSON.parse(readFileSync(join(dir, "analysis.json"), "utf8"))).toEqual(report);
    const html = readFileSync(join(dir, "analysis.html"), "utf8");
    expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(2 * 4 + 2); // 2 models × 2 parts × 2 measures, PWCCA, CKA
    expect(html).toContain("decoder entropy (nats), layer × head");
    expect(html).toContain("h2 w=25");
  });

  it("says so when a clip is shorter than one chunk", async () => {
    const r = await mwmae("analyze", ...model, "--json", golden("audio/note_fluidsynth.wav"));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `mwmae analyze: ${golden("audio/note_fluidsynth.wav")}: 1.50 s gives 151 log-mel frames, shorter than one chunk of 200 frames: nothing to analyse`,
    );
  });

  it("says so when the two encoders differ in depth", async () => {
    const file = decodeSafetensors(new Uint8Array(readFileSync(golden("tiny_hear.safetensors"))), "tiny_hear");
    if (E.isLeft(file)) throw new Error(file.left.message);
    const tensors = Object.fromEntries(Object.entries(file.right.tensors).filter(([name]) => !name.includes("encoder_block_01")));
    const config = { ...JSON.parse(file.right.metadata["config"]!), depth: 1 };
    const shallow = join(mkdtempSync(join(tmpdir(), "mwmae-analyze-")), "shallow.safetensors");
    writeFileSync(shallow, encodeSafetensors(tensors, { config: JSON.stringify(config) }));
    const r = await mwmae("analyze", ...model, "--compare", shallow, "--json", ...clips);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      `mwmae analyze: --compare: PWCCA compares encoders of the same depth; ${golden("tiny_hear.safetensors")} has 2 layers, ${shallow} 1`,
    ]);
  });

  it("refuses a checkpoint holding a NaN", async () => {
    const file = decodeSafetensors(new Uint8Array(readFileSync(golden("tiny_hear.safetensors"))), "tiny_hear");
    if (E.isLeft(file)) throw new Error(file.left.message);
    const name = "params/encoder_block_00/Attention_0/Dense_0/kernel";
    const kernel = file.right.tensors[name]!;
    const data = Float32Array.from(kernel.data);
    data[5] = Number.NaN;
    const broken = join(mkdtempSync(join(tmpdir(), "mwmae-analyze-")), "nan.safetensors");
    writeFileSync(broken, encodeSafetensors({ ...file.right.tensors, [name]: { ...kernel, data } }, file.right.metadata));
    const r = await mwmae("analyze", "--checkpoint", broken, "--json", ...clips);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/nan\.safetensors: .*NaN.*: refused \(every measure would be NaN\)/);
  });

  it("says so when the two models take different inputs, and refuses bad usage with exit 2", async () => {
    const r = await mwmae("analyze", ...model, "--compare", golden("tiny_mwmae.safetensors"), "--json", ...clips);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/takes 16×16 input in 4×4 patches, .* 200×80 in 4×16: the layers would not see the same tokens/);
    const help = await mwmae("analyze", "--help");
    expect([help.code, help.stdout.split("\n")[0]]).toEqual([0, expect.stringMatching(/^usage: mwmae analyze --checkpoint PATH /)]);
    expect((await mwmae("--help")).stdout).toMatch(/^ {2}analyze {4}attention entropy and distance per head/m);
    const usage = await mwmae("analyze", ...model, ...clips);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("nothing to do: give --json, --out DIR, or both");
  });
});

/** Loading HEAR models: either checkpoint format, either config dialect, and errors that name the file and tensor. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeModelConfig, type HearError } from "../../src/hear";
import { loadModel, readCheckpointFile } from "../../src/hear/node";
import { fromData } from "../../src/ir";
import { saveCheckpoint } from "../../src/io/node";
import { preset } from "../../src/models/mwmae";

const golden = (name: string): string => join(__dirname, "../golden", name);
const scratch = mkdtempSync(join(tmpdir(), "hear-model-"));
const failure = async (checkpoint: string, config?: string): Promise<HearError> => {
  const m = await loadModel(checkpoint, config === undefined ? {} : { config })();
  if (E.isRight(m)) throw new Error("loaded");
  return m.left;
};

describe("decodeModelConfig", () => {
  const official = JSON.parse(readFileSync(golden("tiny_hear.config.json"), "utf8")) as unknown;
  it("reads the official keyword arguments, this project's config, and a run file's `model` field alike", () => {
    const a = decodeModelConfig("official")(official);
    expect(E.isRight(a)).toBe(true);
    if (E.isLeft(a)) return;
    expect(a.right.decoder.windows).toEqual([2, 5, 25, 0]);
    expect(decodeModelConfig("ours")(a.right)).toEqual(a);
    expect(decodeModelConfig("run")({ model: a.right, train: { steps: 10 } })).toEqual(a);
  });

  it("names the field and the reason for a bad value", () => {
    const bad = decodeModelConfig("cfg.json")({ ...preset(), maskRatio: 1.5 });
    expect(E.isLeft(bad) && bad.left.messages.join(" ")).toMatch(/maskRatio: 1.5 is outside \(0, 1\)/);
  });
});

describe("loadModel", () => {
  it("reads both checkpoint formats to the same tensors", () => {
    const a = readCheckpointFile(golden("tiny_hear.msgpack"));
    const b = readCheckpointFile(golden("tiny_hear.safetensors"));
    if (E.isLeft(a) || E.isLeft(b)) throw new Error("unreadable");
    expect(a.right.format).toBe("flax-msgpack");
    expect(b.right.format).toBe("safetensors");
    expect(a.right.config).toBeUndefined();
    expect(b.right.config).toMatchObject({ model_class: "MWMAE" });
    for (const [path, t] of Object.entries(a.right.tensors))
      expect(Array.from(b.right.tensors[path]!.data), path).toEqual(Array.from(t.data));
  });

  it("names the first tensor that does not match the configuration", async () => {
    const e = await failure(golden("tiny_hear.msgpack"), golden("tiny_mwmae.config.json"));
    expect(e.kind).toBe("checkpoint");
    expect(e.message).toMatch(
      /tiny_hear\.msgpack: does not match the configuration: patch_embed\/proj\/kernel has shape \[4, 16, 1, 32\], the config needs \[4, 4, 1, 32\]/,
    );
  });

  it("asks for a configuration when an official checkpoint carries none", async () => {
    const e = await failure(golden("tiny_hear.msgpack"));
    expect(e.message).toMatch(/tiny_hear\.msgpack: the checkpoint carries no configuration/);
  });

  it("rejects truncated checkpoints of both formats, naming the file", async () => {
    for (const name of ["tiny_hear.msgpack", "tiny_hear.safetensors"]) {
      const bytes = readFileSync(golden(name));
      const cut = join(scratch, `cut-${name}`);
      writeFileSync(cut, bytes.subarray(0, bytes.length - 333));
      const e = await failure(cut, golden("tiny_hear.config.json"));
      expect(e.kind).toBe("checkpoint");
      expect(e.message.startsWith(`${cut}: `)).toBe(true);
    }
  });

  it("rejects a file that is no checkpoint, and a config that is not JSON", async () => {
    const text = join(scratch, "notes.safetensors");
    writeFileSync(text, "these are not weights\n");
    expect((await failure(text, golden("tiny_hear.config.json"))).message).toMatch(
      /neither a safetensors file nor a Flax msgpack checkpoint/,
    );
    const e = await failure(golden("tiny_hear.msgpack"), text);
    expect(e.kind).toBe("config");
    expect(e.message).toMatch(/notes\.safetensors: not JSON/);
  });
});

describe("loadModel on this project's training checkpoints", () => {
  it("takes the parameters and the model configuration from a checkpoint `saveCheckpoint` wrote, ignoring optimiser state", async () => {
    const official = readCheckpointFile(golden("tiny_hear.msgpack"));
    const cfg = decodeModelConfig("cfg")(JSON.parse(readFileSync(golden("tiny_hear.config.json"), "utf8")));
    if (E.isLeft(official) || E.isLeft(cfg)) throw new Error("unreadable golden");
    const tensors = Object.fromEntries(
      Object.entries(official.right.tensors).flatMap(
        ([path, t]) =>
          [
            [path, t],
            [path.replace(/^params\//, "opt/mu/"), t],
          ] as const,
      ),
    );
    const dir = mkdtempSync(join(scratch, "run-"));
    const saved = saveCheckpoint(dir, {
      step: 7,
      tensors: { ...tensors, "opt/step": fromData([7], [], "i32") },
      meta: { model: cfg.right, train: {} },
    });
    if (E.isLeft(saved)) throw new Error(saved.left.message);
    const m = await loadModel(saved.right)();
    if (E.isLeft(m)) throw new Error(m.left.message);
    expect(m.right.config).toEqual(cfg.right);
    expect(m.right.sceneEmbeddingSize).toBe(160);
  });
});

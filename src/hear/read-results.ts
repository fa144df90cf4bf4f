/**
 * @file Results read back for `mwmae table`: `evaluation.json` files (as `mwmae evaluate` writes
 * them), folders searched recursively for them, and JSON Lines files of `mwmae evaluate --json`. The
 * model is the entry's `model` field, else the name of the folder above the task folder; a `NAME=PATH`
 * argument names it explicitly. A file that is not a result is named with its problem.
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { ResultEntry } from "./table.js";

const Score = t.union([t.number, t.null]);
const Result = t.intersection([
  t.type({ task: t.string, metric: t.string, mean: Score, halfWidth: Score, seeds: t.array(t.unknown) }),
  t.partial({ model: t.string, dir: t.string }),
]);

const entryOf = (json: unknown, source: string, model: string | undefined): E.Either<string, ResultEntry> => {
  const r = Result.decode(json);
  if (E.isLeft(r)) return E.left(`${source}: not a result of mwmae evaluate (needs task, metric, mean, halfWidth, seeds)`);
  const v = r.right;
  const taskDir = v.dir ?? dirname(resolve(source));
  return E.right({
    model: model ?? v.model ?? basename(dirname(resolve(taskDir))),
    task: v.task,
    metric: v.metric,
    mean: v.mean ?? NaN,
    halfWidth: v.halfWidth ?? NaN,
    seeds: v.seeds.length,
    source,
  });
};

const findEvaluations = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return findEvaluations(path);
      return name === "evaluation.json" ? [path] : [];
    });

/**
 * The results one argument names (`PATH` or `NAME=PATH`).
 * @example
 * readResults("runs/hear/mwmae"); // Right([{ model: "mwmae", task: "esc50", … }, …])
 */
export const readResults = (argument: string): E.Either<string, ResultEntry[]> => {
  const eq = argument.indexOf("=");
  const named = eq > 0 && !existsSync(argument);
  const model = named ? argument.slice(0, eq) : undefined;
  const path = named ? argument.slice(eq + 1) : argument;
  if (!existsSync(path)) return E.left(`${path}: no such file or folder`);
  const files = statSync(path).isDirectory() ? findEvaluations(path) : [path];
  if (files.length === 0) return E.left(`${path}: no evaluation.json below this folder`);
  const out: ResultEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      return E.left(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const docs = file.endsWith(".json") ? [text] : text.split("\n").filter((l) => l.trim() !== "");
    for (const [i, doc] of docs.entries()) {
      const where = docs.length > 1 ? `${file}:${i + 1}` : file;
      let json: unknown;
      try {
        json = JSON.parse(doc);
      } catch (e) {
        return E.left(`${where}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      const entry = entryOf(json, where, model);
      if (E.isLeft(entry)) return entry;
      out.push(entry.right);
    }
  }
  return E.right(out);
};

/**
 * @file The `mwmae` command (bin/mwmae.js) runs with plain Node, loading the TypeScript CLI through
 * tsx: help listing every command, the version, each command's `--help`, and honest exit codes for
 * bare and unknown commands.
 */

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};

const mwmae = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, ["bin/mwmae.js", ...args], { cwd: root, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    );
  });

describe("bin/mwmae.js", () => {
  it("is the package's bin", () => {
    expect(pkg.bin).toEqual({ mwmae: "./bin/mwmae.js" });
  });

  it("prints usage with every command on --help", async () => {
    const { code, stdout } = await mwmae("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: mwmae <command>/);
    for (const command of ["pretrain", "embed", "inspect"]) expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("prints the package version on --version", async () => {
    const { code, stdout } = await mwmae("--version");
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`mwmae-ts ${pkg.version}`);
  });

  it("prints each command's help", async () => {
    const helps = await Promise.all(["pretrain", "embed", "inspect"].map((c) => mwmae(c, "--help")));
    helps.forEach(({ code, stdout }, i) => {
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^usage: mwmae ${["pretrain", "embed", "inspect"][i]} `));
    });
  });

  it("exits 2 for a bare call and for an unknown command", async () => {
    const [bare, unknown] = await Promise.all([mwmae(), mwmae("train")]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^usage: mwmae <command>/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "train"/);
  });
});

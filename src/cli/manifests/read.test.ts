import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ManifestError } from "./errors.js";
import { readSources } from "./read.js";

const noStdin = () => Promise.reject(new Error("stdin not expected"));

describe("readSources", () => {
  it("walks directories recursively in name order, taking only manifest files and skipping hidden ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tenon-read-"));
    await mkdir(join(dir, "b"));
    await mkdir(join(dir, ".git"));
    await Promise.all([
      writeFile(join(dir, "b", "z.yml"), "z"),
      writeFile(join(dir, "a.json"), "a"),
      writeFile(join(dir, "c.YAML"), "c"),
      writeFile(join(dir, "notes.md"), "no"),
      writeFile(join(dir, ".hidden.yaml"), "no"),
      writeFile(join(dir, ".git", "x.yaml"), "no"),
    ]);
    const got = await readSources([dir], noStdin);
    assert.deepEqual(
      got.map((s) => [s.source.slice(dir.length + 1), s.text]),
      [
        ["a.json", "a"],
        ["b/z.yml", "z"],
        ["c.YAML", "c"],
      ],
    );
    // A file named explicitly is read whatever its extension.
    assert.deepEqual((await readSources([join(dir, "notes.md")], noStdin)).map((s) => s.text), ["no"]);
  });

  it("reads - from stdin, in argument order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tenon-read-"));
    await writeFile(join(dir, "f.yaml"), "file");
    const got = await readSources(["-", join(dir, "f.yaml")], () => Promise.resolve("piped"));
    assert.deepEqual(
      got.map((s) => [s.source === "<stdin>" ? "<stdin>" : "file", s.text]),
      [
        ["<stdin>", "piped"],
        ["file", "file"],
      ],
    );
  });

  it("names paths it cannot read and directories without manifests", async () => {
    const empty = await mkdtemp(join(tmpdir(), "tenon-read-"));
    await assert.rejects(readSources(["/nonexistent/x.yaml"], noStdin), (e: Error) => e instanceof ManifestError && e.message === "/nonexistent/x.yaml: cannot read: no such file or directory");
    await assert.rejects(readSources([empty], noStdin), /holds no \*\.yaml, \*\.yml or \*\.json files/);
  });
});

import assert from "node:assert/strict";
import { mkdtemp, mkdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ManifestError } from "./errors.js";
import { type InputPath, readInputs } from "./read.js";

const noStdin = (): AsyncIterable<Uint8Array> => {
  throw new Error("stdin not expected");
};
const recursive = (path: string): InputPath => ({ path, recursive: true });
const read = async (inputs: InputPath[], stdin: () => AsyncIterable<Uint8Array | string> = noStdin) => (await readInputs(inputs, stdin)).sources;

describe("readInputs", () => {
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
    const got = await read([recursive(dir)]);
    assert.deepEqual(
      got.map((s) => [s.source.slice(dir.length + 1), s.text]),
      [
        ["a.json", "a"],
        ["b/z.yml", "z"],
        ["c.YAML", "c"],
      ],
    );
    // Without recursion only the top level counts; a file named explicitly is read whatever its extension.
    assert.deepEqual((await read([{ path: dir, recursive: false }])).map((s) => s.text), ["a", "c"]);
    assert.deepEqual((await read([recursive(join(dir, "notes.md"))])).map((s) => s.text), ["no"]);
  });

  it("reads - from stdin, in argument order, and a file reached twice once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tenon-read-"));
    await writeFile(join(dir, "f.yaml"), "file");
    await symlink("f.yaml", join(dir, "link.yaml"));
    const got = await read([recursive("-"), recursive(join(dir, "f.yaml")), recursive(dir)], async function* () {
      yield "piped";
    });
    assert.deepEqual(
      got.map((s) => [s.source === "<stdin>" ? "<stdin>" : "file", s.text]),
      [
        ["<stdin>", "piped"],
        ["file", "file"],
      ],
    );
  });

  it("follows links to files and directories, and skips a link back to a directory being read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tenon-read-"));
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real", "x.yaml"), "x");
    await symlink("real", join(dir, "via"));
    await symlink("..", join(dir, "real", "up"));
    const { sources } = await readInputs([{ path: join(dir, "via"), recursive: true }], noStdin);
    assert.deepEqual(
      sources.map((s) => s.text),
      ["x"],
    );
    const whole = await readInputs([recursive(dir)], noStdin);
    assert.deepEqual(
      whole.sources.map((s) => s.text),
      ["x"],
    );
    assert.match(whole.warnings.join("\n"), /up: skipped: a symbolic link back to/);
  });

  it("names paths it cannot read, broken links, special files and directories without manifests", async () => {
    const empty = await mkdtemp(join(tmpdir(), "tenon-read-"));
    await assert.rejects(read([recursive("/nonexistent/x.yaml")]), (e: Error) => e instanceof ManifestError && e.message === "/nonexistent/x.yaml: cannot read: no such file or directory");
    await assert.rejects(read([recursive(empty)]), /holds no \*\.yaml, \*\.yml or \*\.json files/);
    await symlink("gone.yaml", join(empty, "broken.yaml"));
    await assert.rejects(read([recursive(empty)]), /broken\.yaml: cannot read: a symbolic link to a path that does not exist/);
    await symlink("self.yaml", join(empty, "self.yaml"));
    await assert.rejects(read([recursive(join(empty, "self.yaml"))]), /self\.yaml: cannot read: a loop of symbolic links/);
    await assert.rejects(read([recursive("/dev/null")]), /\/dev\/null: not a regular file \(a character device\)/);
    await assert.rejects(read([recursive("https://example.com/x.yaml")]), /reads files, not URLs/);
  });

  it("refuses an input past the size cap without reading it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tenon-read-"));
    const { truncate } = await import("node:fs/promises");
    await writeFile(join(dir, "huge.yaml"), "");
    await truncate(join(dir, "huge.yaml"), 65 * 1024 * 1024); // sparse: no disk, no read
    await assert.rejects(read([recursive(join(dir, "huge.yaml"))]), /huge\.yaml: 65\.0 MiB; tenon simulate reads inputs of at most 64 MiB each/);
    await assert.rejects(
      read([recursive("-")], async function* () {
        for (let i = 0; i < 65; i++) yield new Uint8Array(1024 * 1024);
      }),
      /<stdin>: more than 64 MiB/,
    );
  });
});

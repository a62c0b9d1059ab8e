// Where the CLI reads and writes. The process entry point wires these to the real streams; tests
// pass their own, so the whole command (argument parsing, exit status, every message) runs in
// process exactly as a user runs it, without a child process per case.

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Standard input as a byte stream; read only when an input is "-". */
  stdin(): AsyncIterable<Uint8Array | string>;
}

/** The process's own streams. */
export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdin: () => process.stdin,
};

/** An IO that records what was written, for tests; stdin yields the given bytes. */
export function bufferIO(stdin: Uint8Array | string = ""): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    async *stdin() {
      if (stdin.length > 0) yield stdin;
    },
  };
  return io;
}

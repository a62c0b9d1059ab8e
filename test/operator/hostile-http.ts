// Hostile HTTP clients over raw TCP sockets, for the tests that prove tenon's metrics and health
// servers survive whatever reaches their ports: a named corpus of malformed requests, a
// fast-check generator of arbitrary ones (request lines, headers, bodies, pipelining, resets),
// slow clients, and the check that a server still answers properly afterwards.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import fc from "fast-check";

/** How the client leaves the connection after writing. */
export type Ending = "end" | "reset" | "keep";

export interface HostileRequest {
  name: string;
  /** Written in this many pieces (a split request line or header exercises the parser's resumption). */
  chunks: Buffer[];
  ending: Ending;
}

export interface Exchange {
  /** Everything the server sent, as latin1 (bytes preserved). */
  response: string;
  /** The server closed (or reset) the connection before the client's deadline. */
  closedByServer: boolean;
  error?: string;
}

/**
 * Sends one hostile request and collects the answer until the server closes the connection or
 * `deadlineMs` passes (then the client gives up and destroys it: closedByServer is false).
 */
export function exchange(port: number, req: HostileRequest, deadlineMs = 5000, host = "127.0.0.1"): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host });
    const parts: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: Buffer.concat(parts).toString("latin1"), closedByServer, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false), deadlineMs);
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on("close", () => finish(req.ending !== "reset"));
    socket.on("connect", () => {
      for (const c of req.chunks) socket.write(c);
      if (req.ending === "end") socket.end();
      else if (req.ending === "reset") socket.resetAndDestroy();
    });
  });
}

/** The status code of the first response in `response`, or undefined when there is none. */
export function firstStatus(response: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3}) /.exec(response);
  return m ? Number(m[1]) : undefined;
}

const text = (s: string) => Buffer.from(s, "latin1");
const one = (name: string, raw: string, ending: Ending = "end"): HostileRequest => ({ name, chunks: [text(raw)], ending });

/** Named cases, each with the status the server must answer first (undefined: closing without an answer is right too). */
export function corpus(path: string): { req: HostileRequest; status: number | undefined }[] {
  const ok = (extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
  return [
    { req: one("absolute-form URL that does not parse", "GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n"), status: 400 },
    { req: one("absolute-form with an unclosed IPv6 host", `GET http://[::1${path} HTTP/1.1\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("absolute-form that parses", `GET http://localhost${path} HTTP/1.1\r\nHost: x\r\n\r\n`), status: 200 },
    { req: one("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), status: 400 },
    { req: one("authority-form without CONNECT", "GET localhost:80 HTTP/1.1\r\nHost: x\r\n\r\n"), status: 400 },
    { req: one("CONNECT", "CONNECT localhost:80 HTTP/1.1\r\nHost: x\r\n\r\n"), status: 405 },
    { req: one("unknown method", `BREW ${path} HTTP/1.1\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("known method the route refuses", `DELETE ${path} HTTP/1.1\r\nHost: x\r\n\r\n`), status: 405 },
    { req: one("only empty lines (which HTTP lets a server skip)", "\r\n\r\n"), status: undefined },
    { req: one("binary garbage", "\x00\x01\x02\xff\xfe\r\n\r\n"), status: 400 },
    { req: one("HTTP/2 preface on HTTP/1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), status: 400 },
    { req: one("unknown version", `GET ${path} HTTP/7.3\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("lowercase version", `GET ${path} http/1.1\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("space in the target", `GET /health z HTTP/1.1\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("control byte in the target", `GET ${path}\x7f HTTP/1.1\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("percent garbage in the target", `GET ${path}%zz%%/../..%00 HTTP/1.1\r\nHost: x\r\n\r\n`), status: 404 },
    { req: one("unicode in the target", `GET ${Buffer.from("/\u00e9\u{1f600}", "utf8").toString("latin1")} HTTP/1.1\r\nHost: x\r\n\r\n`), status: 400 },
    { req: one("a 64 KiB target", `GET /${"a".repeat(65536)} HTTP/1.1\r\nHost: x\r\n\r\n`), status: 431 },
    { req: one("a 64 KiB header", ok(`X-Big: ${"b".repeat(65536)}\r\n`)), status: 431 },
    { req: one("five thousand headers", ok(Array.from({ length: 5000 }, (_, i) => `X-${i}: v\r\n`).join(""))), status: 431 },
    { req: one("header without a colon", ok("NoColonHere\r\n")), status: 400 },
    { req: one("header name with a space", ok("Bad Name: v\r\n")), status: 400 },
    { req: one("NUL in a header value", ok("X-Nul: a\x00b\r\n")), status: 400 },
    { req: one("bare LF in a header value", ok("X-Lf: a\nb\r\n")), status: 400 },
    { req: one("obsolete line folding", ok("X-Fold: a\r\n  b\r\n")), status: 400 },
    { req: one("two Host headers", ok("Host: y\r\n")), status: 200 },
    { req: one("conflicting Content-Length headers", ok("Content-Length: 1\r\nContent-Length: 2\r\n")), status: 400 },
    { req: one("negative Content-Length", ok("Content-Length: -1\r\n")), status: 400 },
    { req: one("huge Content-Length, no body", ok("Content-Length: 99999999999999999999\r\n")), status: 400 },
    { req: one("Content-Length and Transfer-Encoding", ok("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n"), status: 400 },
    { req: one("unknown Transfer-Encoding", ok("Transfer-Encoding: gzip\r\n")), status: 400 },
    { req: one("malformed chunk", ok("Transfer-Encoding: chunked\r\n") + "zz\r\nxx\r\n0\r\n\r\n"), status: 400 },
    { req: one("a body on a GET", ok("Content-Length: 5\r\n") + "hello"), status: 200 },
    { req: one("a 1 MiB body on a GET", ok(`Content-Length: ${1 << 20}\r\n`) + "x".repeat(1 << 20)), status: 200 },
    { req: one("Expect: 100-continue with a body", ok("Expect: 100-continue\r\nContent-Length: 3\r\n") + "abc"), status: 100 },
    { req: one("an unknown Expect", ok("Expect: the-unexpected\r\n")), status: 417 },
    { req: one("an Upgrade nobody serves", ok("Connection: Upgrade\r\nUpgrade: websocket\r\n")), status: 200 },
    { req: one("HTTP/1.0 without Host", `GET ${path} HTTP/1.0\r\n\r\n`), status: 200 },
    { req: one("HTTP/1.1 without Host", `GET ${path} HTTP/1.1\r\n\r\n`), status: 400 },
    { req: one("pipelined requests", ok() + ok() + `HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\n` + ok()), status: 200 },
    // The garbage is parsed before the first answer is written: the connection is refused as a whole.
    { req: one("a good request then garbage", ok() + "\x00garbage\r\n\r\n"), status: 400 },
    { req: one("LF-only line endings", `GET ${path} HTTP/1.1\nHost: x\n\n`), status: 400 },
    { req: one("request line cut short, then the client ends", `GET ${path} HT`), status: 400 },
    { req: one("headers cut short, then the client ends", `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Half: `), status: 400 },
    // Answered before the body is read (probes ignore bodies); the cut is noticed after.
    { req: one("body cut short, then the client ends", ok("Content-Length: 100\r\n") + "short"), status: 200 },
    { req: { name: "request written one byte at a time", chunks: [...text(ok())].map((b) => Buffer.from([b])), ending: "end" }, status: 200 },
    { req: one("reset right after the request line", `GET ${path} HTTP/1.1\r\n`, "reset"), status: undefined },
    { req: one("reset right after a whole request", ok(), "reset"), status: undefined },
  ];
}

// --- The generator ---------------------------------------------------------------------------

const crlf = fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "\r", "");
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const token = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_!#$%&'*+.^`|~"), minLength: 1, maxLength: 16 });

function methods(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PRI", "M-SEARCH", "PROPFIND", "SOURCE", "QUERY", "get"),
    token,
    latin1,
  );
}

function targets(paths: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...paths, ...paths.map((p) => `${p}?verbose`), ...paths.map((p) => `http://localhost${p}`)) },
    {
      weight: 3,
      arbitrary: fc.constantFrom("/", "*", "http://[", "http://", "https://[::1", "http://a:b@[/x", "HTTP://X/healthz", "//healthz", "/%", "/%zz", "/..%2f..", "/healthz#f", "localhost:80", "?verbose", "/healthz?" + "&".repeat(3000)),
    },
    { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
    { weight: 2, arbitrary: latin1.map((s) => `/${s}`) },
    { weight: 1, arbitrary: latin1 },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 40_000 }).map((n) => `/${"a".repeat(n)}`) },
  );
}

const versions = fc.oneof(fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "http/1.1", "HTTP/1.1 extra", ""), latin1);

function headers(): fc.Arbitrary<string[]> {
  const header = fc.oneof(
    fc.constantFrom(
      "Host: x",
      "Host: x",
      "Host:",
      "Content-Length: 0",
      "Content-Length: 5",
      "Content-Length: -1",
      "Content-Length: 18446744073709551616",
      "Content-Length: 1, 2",
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: chunked, chunked",
      "Transfer-Encoding: gzip",
      "Expect: 100-continue",
      "Expect: bogus",
      "Connection: close",
      "Connection: keep-alive",
      "Connection: Upgrade",
      "Upgrade: websocket",
      "Upgrade: h2c",
      "Accept: */*",
    ),
    fc.tuple(token, latin1).map(([n, v]) => `${n}: ${v}`),
    fc.tuple(latin1, latin1).map(([n, v]) => `${n}:${v}`),
    latin1,
    fc.integer({ min: 1, max: 40_000 }).map((n) => `X-Huge: ${"h".repeat(n)}`),
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(header, { maxLength: 8 }) },
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `X-Many-${i}: ${i}`)) },
  );
}

const bodies = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  { weight: 2, arbitrary: latin1 },
  { weight: 1, arbitrary: fc.constantFrom("5\r\nhello\r\n0\r\n\r\n", "zz\r\n\r\n", "0\r\n\r\n", "ffffffffffffffff\r\n", "3\r\nab") },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => "x".repeat(n)) },
);

/** One arbitrary request as it would be written on the wire (never a well-formed one on purpose, but often one). */
function requestText(paths: readonly string[]): fc.Arbitrary<string> {
  return fc
    .record({ method: methods(), target: targets(paths), version: versions, headers: headers(), eol: crlf, body: bodies, sep: fc.constantFrom(" ", " ", "  ", "\t", "") })
    .map(({ method, target, version, headers: hs, eol, body, sep }) => `${method}${sep}${target}${sep}${version}${eol}${hs.map((h) => h + eol).join("")}${eol}${body}`);
}

/** Arbitrary hostile requests: pipelined arbitrary requests or raw bytes, split at random points, ended, reset or left open. */
export function hostileRequests(paths: readonly string[]): fc.Arbitrary<HostileRequest> {
  const payload = fc.oneof(
    { weight: 8, arbitrary: fc.array(requestText(paths), { minLength: 1, maxLength: 4 }).map((rs) => text(rs.join(""))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)) },
  );
  return fc
    .record({
      payload,
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
      ending: fc.constantFrom<Ending>("end", "end", "end", "reset", "keep"),
    })
    .map(({ payload: p, cuts, ending }) => {
      const points = [...new Set(cuts.map((c) => (p.length === 0 ? 0 : c % p.length)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const at of points) {
        if (at > from) chunks.push(p.subarray(from, at));
        from = Math.max(from, at);
      }
      chunks.push(p.subarray(from));
      return { name: `${p.length} bytes in ${chunks.length} writes, then ${ending}`, chunks, ending };
    });
}

// --- Slow clients ----------------------------------------------------------------------------

/**
 * A slowloris client: opens a connection and trickles header bytes forever (a byte every
 * `everyMs`). Resolves when the server closes the connection, with what it answered.
 */
export function slowloris(port: number, everyMs = 20, host = "127.0.0.1"): { closed: Promise<string>; socket: Socket } {
  const socket = connect({ port, host });
  const parts: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<string>((resolve) => {
    socket.on("data", (d: Buffer) => parts.push(d));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve(Buffer.concat(parts).toString("latin1"));
    });
  });
  socket.on("connect", () => {
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    timer = setInterval(() => {
      if (socket.writable) socket.write("a");
    }, everyMs);
  });
  return { closed, socket };
}

// --- The check afterwards --------------------------------------------------------------------

/** The server still answers properly: fetch (a well-behaved client) gets the expected status and body. */
export async function assertServes(url: string, want: { status: number; body?: RegExp; contentType?: RegExp }): Promise<void> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  assert.equal(res.status, want.status, `${url}: ${body}`);
  if (want.body) assert.match(body, want.body, url);
  if (want.contentType) assert.match(res.headers.get("content-type") ?? "", want.contentType, url);
}

/** Seeded runs, so a failure names a seed and path that reproduce it. */
export const fuzzSeed = Number(process.env.TENON_FUZZ_SEED ?? 20261202);

// The plain HTTP server under /metrics and the probes. These ports are reachable by anything in
// the cluster network and answer without authentication, so no request may take the process
// down or hold it hostage: every request, however malformed, gets a status line or a closed
// connection; slow or silent clients are cut off after bounded timeouts; the number of open
// connections is capped; and no error of a request, a socket or the listener escapes as an
// uncaught exception.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";

export interface RunningServer {
  /** The bound port; the real one when 0 was asked for. */
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void>;

/** How long and how much a client may take; the defaults suit probes and scrapes (small, fast requests). */
export interface ServerLimits {
  /** All request headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
  /** The whole request must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this; also keeps close() from waiting on idle sockets. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed. */
  socketTimeoutMs: number;
  /** How often Node checks the two request timeouts above. */
  timeoutCheckIntervalMs: number;
  /** Connections beyond this are dropped on accept, so a flood cannot exhaust file descriptors. */
  maxConnections: number;
  maxHeadersCount: number;
  /** Bytes of request line and headers together (Node's default is 16 KiB). */
  maxHeaderBytes: number;
}

export const defaultServerLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  socketTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnections: 512,
  maxHeadersCount: 100,
  maxHeaderBytes: 16 * 1024,
};

export interface ListenOptions {
  host: string;
  port: number;
  routes: Readonly<Record<string, Handler>>;
  limits?: Partial<ServerLimits>;
  logger?: Pick<Logger, "warn" | "debug">;
}

/**
 * The path and query of a request target: origin-form (`/healthz?verbose`) or absolute-form
 * (`http://host/healthz`, which HTTP/1.1 servers must accept); undefined for anything else.
 */
export function requestTarget(raw: string | undefined): { path: string; query: URLSearchParams } | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw.startsWith("/")) {
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    return { path, query: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
  }
  if (!/^https?:\/\//i.test(raw)) return undefined;
  try {
    const url = new URL(raw);
    return { path: url.pathname, query: url.searchParams };
  } catch {
    return undefined;
  }
}

export function reply(res: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "Content-Type": contentType, "X-Content-Type-Options": "nosniff", ...(status >= 400 ? { Connection: "close" } : {}) });
  res.end(body);
}

// What Node's parser errors mean for the client; anything else is a plain 400.
const clientErrorStatus: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

export async function listen(options: ListenOptions): Promise<RunningServer> {
  const limits = { ...defaultServerLimits, ...options.limits };
  const log = options.logger;
  const server: Server = createServer(
    { maxHeaderSize: limits.maxHeaderBytes, connectionsCheckingInterval: limits.timeoutCheckIntervalMs },
    (req, res) => handle(options.routes, req, res, log),
  );
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.socketTimeoutMs, (socket: Socket) => socket.destroy());

  // A request the parser refuses (bad request line, header, chunk, timeout, reset): answer if the
  // socket can still take it, then close. Without this listener Node does the same, but an error
  // raised while answering would be unhandled.
  server.on("clientError", (err: NodeJS.ErrnoException, duplex: Duplex) => {
    const socket = duplex as Socket;
    log?.debug({ error: err.code ?? err.message }, "refused a malformed request");
    // As Node's own handler: a status line only on a connection that has had no answer yet.
    if (err.code !== "ECONNRESET" && socket.writable && socket.bytesWritten === 0) {
      socket.write(`HTTP/1.1 ${clientErrorStatus[err.code ?? ""] ?? "400 Bad Request"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  // CONNECT tunnels nothing here; Node would only close the socket.
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => undefined);
    socket.end("HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  // A socket error after the parser is done with it (EPIPE, ECONNRESET) must not become uncaught.
  server.on("connection", (socket: Socket) => socket.on("error", () => undefined));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Accept errors (EMFILE under a connection flood) are emitted on the server: without a listener they end the process.
  server.on("error", (error) => log?.warn({ error }, "HTTP server error"));
  server.on("drop", () => log?.debug({ maxConnections: limits.maxConnections }, "dropped a connection over the limit"));

  const bound = (server.address() as AddressInfo).port;
  const urlHost = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    port: bound,
    url: `http://${urlHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

function handle(routes: Readonly<Record<string, Handler>>, req: IncomingMessage, res: ServerResponse, log: ListenOptions["logger"]): void {
  // A body nobody reads would otherwise sit in the socket's buffers.
  req.resume();
  req.on("error", () => undefined);
  res.on("error", () => undefined);
  try {
    const target = requestTarget(req.url);
    if (!target) return reply(res, 400, "bad request target\n");
    const handler = Object.hasOwn(routes, target.path) ? routes[target.path] : undefined;
    if (!handler) return reply(res, 404, "not found\n");
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "method not allowed\n");
    handler(req, res, target.query).catch((err: unknown) => fail(res, err, log));
  } catch (err) {
    fail(res, err, log);
  }
}

function fail(res: ServerResponse, err: unknown, log: ListenOptions["logger"]): void {
  log?.warn({ error: err instanceof Error ? err.message : String(err) }, "HTTP handler failed");
  try {
    reply(res, 500, `${err instanceof Error ? err.message : String(err)}\n`);
  } catch {
    res.destroy();
  }
}

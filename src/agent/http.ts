/**
 * The agent's two small HTTP endpoints (node:http, no framework: two read-only GET routes):
 * the Prometheus metrics (`--metrics-port`: GET /metrics) and the health probes
 * (`--health-port`: GET /liveness, GET /readiness). A handler is asked per request, so every
 * answer is the state at that moment.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** path → answer; a path missing from the table is a 404. */
export type Routes = Readonly<Record<string, () => HttpAnswer | Promise<HttpAnswer>>>;

export interface Listening {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on host:port (host "" = every address, port 0 = any free port; the answer says which).
 * GET and HEAD only; anything else is 405.
 */
export function serveRoutes(host: string, port: number, routes: Routes): Promise<Listening> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    const send = (a: HttpAnswer): void => {
      res.writeHead(a.status, { "Content-Type": a.contentType, "Content-Length": Buffer.byteLength(a.body) });
      res.end(req.method === "HEAD" ? undefined : a.body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send({ status: 405, contentType: "text/plain; charset=utf-8", body: "method not allowed\n" });
      return;
    }
    if (route === undefined) {
      send({ status: 404, contentType: "text/plain; charset=utf-8", body: `not found; try ${Object.keys(routes).join(", ")}\n` });
      return;
    }
    Promise.resolve()
      .then(route)
      .then(send, (e: unknown) => send({ status: 500, contentType: "text/plain; charset=utf-8", body: `${e instanceof Error ? e.message : String(e)}\n` }));
  });
  // Probes and scrapes are short; a client that holds a connection open must not keep the agent from stopping.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: host === "" ? undefined : host, port }, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

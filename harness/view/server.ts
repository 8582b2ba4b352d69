// The viewer's web server: read-only (GET and HEAD only), the page and its scripts from
// this package (preact and htm from node_modules: the page works offline), and the JSON
// routes over the run folders it was given.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_ROOT } from "../package-root.ts";
import { answerApi } from "./routes.ts";
import type { RunIndex } from "./run-index.ts";

export const DEFAULT_VIEW_HOST = "127.0.0.1";
/** 0: the system picks a free port. */
export const DEFAULT_VIEW_PORT = 0;

// From the package root, not this module's folder: the bundle in dist/ runs from elsewhere.
const ASSETS = join(PACKAGE_ROOT, "harness", "view", "assets");
const vendor = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

/** Every file the server sends, by URL path: nothing else on disk is reachable. */
const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: join(ASSETS, "index.html"), type: "text/html; charset=utf-8" },
  "/assets/app.js": { file: join(ASSETS, "app.js"), type: "text/javascript; charset=utf-8" },
  "/assets/style.css": { file: join(ASSETS, "style.css"), type: "text/css; charset=utf-8" },
  "/vendor/preact.mjs": { file: vendor("preact"), type: "text/javascript; charset=utf-8" },
  "/vendor/preact-hooks.mjs": { file: vendor("preact/hooks"), type: "text/javascript; charset=utf-8" },
  "/vendor/htm.mjs": { file: vendor("htm"), type: "text/javascript; charset=utf-8" },
};

export interface ViewServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export function startViewServer(index: RunIndex, opts: { host: string; port: number }): Promise<ViewServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://viewer");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("read-only: GET only\n");
      return;
    }
    try {
      const file = FILES[url.pathname];
      if (file) {
        res.writeHead(200, { "content-type": file.type, "cache-control": "no-cache" }).end(readFileSync(file.file));
        return;
      }
      const reply = answerApi(index, url);
      res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(JSON.stringify(reply.body));
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: (err as Error).message }));
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      resolvePromise({
        url: `http://${host}:${port}/`,
        server,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

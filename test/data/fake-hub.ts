// A stand-in for huggingface.co on 127.0.0.1: the resolve endpoint, with small files answered
// 200 + ETag and large (LFS/Xet) files answered 302 to a separate "CDN" server, the way the
// Hub does (only the 302 carries X-Repo-Commit and X-Linked-Etag).
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HubFile {
  body: Buffer;
  /** direct: 200 with ETag; lfs: 302 to the CDN with X-Linked-Etag. */
  mode: "direct" | "lfs";
  commit: string;
  /** Announced sha256 (default: the real one); set it wrong to test verification. */
  announcedSha?: string;
  /** Answer with this status instead (401, 403, 404, 500). */
  status?: number;
}

export interface FakeHub {
  endpoint: string;
  requests: { server: "hub" | "cdn"; url: string; headers: IncomingHttpHeaders }[];
  /** Keyed "owner/name@revision:path", revision as the client sent it, decoded. */
  files: Map<string, HubFile>;
  close(): Promise<void>;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export async function startFakeHub(): Promise<FakeHub> {
  const files = new Map<string, HubFile>();
  const requests: FakeHub["requests"] = [];
  const blobs = new Map<string, Buffer>();

  const cdn = await listen(
    createServer((req, res) => {
      requests.push({ server: "cdn", url: req.url ?? "", headers: req.headers });
      const blob = blobs.get(req.url ?? "");
      if (!blob) {
        res.writeHead(404).end("no such blob");
        return;
      }
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": blob.length }).end(blob);
    }),
  );

  const hub = await listen(
    createServer((req, res) => {
      requests.push({ server: "hub", url: req.url ?? "", headers: req.headers });
      const match = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? "");
      const key = match ? `${match[1]}@${decodeURIComponent(match[2])}:${match[3].split("/").map(decodeURIComponent).join("/")}` : "";
      const file = files.get(key);
      if (!file || file.status === 404) {
        res.writeHead(404, { "X-Error-Code": "EntryNotFound" }).end("Entry not found");
        return;
      }
      if (file.status) {
        res.writeHead(file.status).end(file.status === 401 ? "Invalid username or password." : "error");
        return;
      }
      const sha = file.announcedSha ?? sha256Hex(file.body);
      if (file.mode === "direct") {
        res.writeHead(200, { ETag: `"${sha}"`, "X-Repo-Commit": file.commit, "Content-Length": file.body.length }).end(file.body);
        return;
      }
      const blobPath = `/blob/${sha256Hex(key)}`;
      blobs.set(blobPath, file.body);
      res
        .writeHead(302, {
          Location: `${cdn.url}${blobPath}`,
          "X-Repo-Commit": file.commit,
          "X-Linked-Etag": `"${sha}"`,
          "X-Linked-Size": String(file.body.length),
          ETag: `W/"git-blob-etag"`,
        })
        .end();
    }),
  );

  return {
    endpoint: hub.url,
    requests,
    files,
    close: async () => {
      await Promise.all([hub.close(), cdn.close()]);
    },
  };
}

async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

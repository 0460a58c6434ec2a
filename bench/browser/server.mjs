// A static server over the repository for the browser tests and bench: /isolated/... is served with
// COOP/COEP (so the page is cross-origin isolated and has SharedArrayBuffer), /plain/... without.
// Loopback only, on a free port.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".map": "application/json", ".json": "application/json", ".wasm": "application/wasm" };

/** Starts the server: { server, origin }; server.close() stops it. */
export function serve() {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/(isolated|plain)(\/.*)$/.exec(url.pathname);
    const path = m ? normalize(m[2]).replace(/^(\.\.[/\\])+/, "") : "";
    const file = root + path.slice(1);
    if (!m || !file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const headers = { "Content-Type": types[extname(file)] ?? "application/octet-stream" };
    if (m[1] === "isolated") {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    res.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    resolve({ server, origin: `http://127.0.0.1:${server.address().port}` });
  }));
}

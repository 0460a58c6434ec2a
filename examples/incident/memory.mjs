// Runs many requests through the leaky and the fixed handler and draws heap memory over requests as an
// SVG: the leaky server climbs until it hits its memory limit and is restarted (a saw-tooth), the fixed
// one stays flat. Run: node --expose-gc examples/incident/memory.mjs [requests] [out.svg]
import { writeFileSync } from "node:fs";
import { server } from "./services.mjs";

const requests = Number(process.argv[2] ?? 16000);
const out = process.argv[3] ?? new URL("./memory.svg", import.meta.url);
const LIMIT = 32 << 20; // the "container" limit of this simulated server: restart when heap exceeds it
const EVERY = Math.max(1, Math.floor(requests / 200));
const gc = globalThis.gc;
if (typeof gc !== "function") throw new Error("run with node --expose-gc");

async function measure(version) {
  const { handleRequest } = await import(`./${version}.mjs`);
  const points = [];
  let restarts = 0;
  for (let i = 1; i <= requests; i++) {
    await handleRequest(i);
    if (i % EVERY === 0) {
      await new Promise((r) => setImmediate(r));
      gc();
      const m = process.memoryUsage();
      const used = m.heapUsed + m.arrayBuffers; // payloads live in ArrayBuffers, outside the JS heap
      points.push([i, used]);
      if (used > LIMIT) {
        server.shutdown = new AbortController(); // the orchestrator restarts the process: everything goes
        restarts++;
      }
    }
  }
  server.shutdown = new AbortController();
  gc();
  return { version, points, restarts };
}

const series = [await measure("leaky"), await measure("fixed")];
const W = 760, H = 320, L = 60, B = 40, T = 30;
const maxY = Math.max(LIMIT * 1.15, ...series.flatMap((s) => s.points.map((p) => p[1])));
const x = (i) => L + ((W - L - 20) * i) / requests;
const y = (v) => H - B - ((H - B - T) * v) / maxY;
const colors = { leaky: "#d1495b", fixed: "#2a6fdb" };
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
svg += `<text x="${L}" y="18" font-size="14">Memory after GC (JS heap + ArrayBuffers) over requests: leaky handler vs fixed handler</text>\n`;
svg += `<line x1="${L}" y1="${y(0)}" x2="${W - 20}" y2="${y(0)}" stroke="#000"/><line x1="${L}" y1="${T}" x2="${L}" y2="${y(0)}" stroke="#000"/>\n`;
for (let mb = 0; mb <= maxY / 2 ** 20; mb += 16) {
  svg += `<text x="${L - 6}" y="${y(mb * 2 ** 20) + 4}" text-anchor="end">${mb} MB</text><line x1="${L}" x2="${W - 20}" y1="${y(mb * 2 ** 20)}" y2="${y(mb * 2 ** 20)}" stroke="#eee"/>\n`;
}
svg += `<line x1="${L}" x2="${W - 20}" y1="${y(LIMIT)}" y2="${y(LIMIT)}" stroke="#999" stroke-dasharray="4 3"/><text x="${W - 22}" y="${y(LIMIT) - 4}" text-anchor="end" fill="#666">memory limit: restart</text>\n`;
svg += `<text x="${(L + W) / 2}" y="${H - 8}" text-anchor="middle">requests (every 4th fails fast in billing)</text>\n`;
series.forEach((s, k) => {
  svg += `<polyline fill="none" stroke="${colors[s.version]}" stroke-width="2" points="${s.points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}"/>\n`;
  svg += `<text x="${L + 10}" y="${T + 16 + 16 * k}" fill="${colors[s.version]}">${s.version}.mjs${s.restarts ? ` — ${s.restarts} restarts` : " — flat"}</text>\n`;
});
svg += "</svg>\n";
writeFileSync(out, svg);
const peak = (s) => Math.max(...s.points.map((p) => p[1]));
console.log(JSON.stringify(series.map((s) => ({ version: s.version, restarts: s.restarts, peakMB: +(peak(s) / 2 ** 20).toFixed(1), lastMB: +(s.points.at(-1)[1] / 2 ** 20).toFixed(1) }))));

// units: how the report prints a figure of a scenario's unit.

export function fmtUnit(v, unit = "ns/msg") {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (unit === "B/item") return v >= 10240 ? `${(v / 1024).toFixed(1)} KiB` : `${v.toFixed(0)} B`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
  return v >= 1000 ? `${(v / 1000).toFixed(2)} µs` : `${v.toFixed(1)} ns`;
}

// Statistics for the report: medians and a benchstat-style comparison of two runs.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
function normalCdf(z) {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * Two-sided Mann–Whitney U test (the rank test benchstat uses), normal approximation with tie
 * correction and continuity correction. Returns the p-value; small samples give large p-values.
 */
export function mannWhitney(a, b) {
  const n1 = a.length, n2 = b.length;
  if (n1 === 0 || n2 === 0) return 1;
  const all = [...a.map((v) => [v, 0]), ...b.map((v) => [v, 1])].sort((x, y) => x[0] - y[0]);
  const ranks = new Array(all.length);
  let tieSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1][0] === all[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    tieSum += t * t * t - t;
    i = j + 1;
  }
  let r1 = 0;
  for (let i = 0; i < all.length; i++) if (all[i][1] === 0) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1))));
  if (sigma === 0) return 1;
  const z = (Math.abs(u1 - mu) - 0.5) / sigma;
  return Math.min(1, 2 * (1 - normalCdf(z)));
}

/** Number of ways to get each U value for sample sizes (n1, n2): counts[u], for the exact test. */
function uDistribution(n1, n2) {
  // f(i, j)[u]: arrangements of i x's and j y's with U = u; f(i,j) = f(i-1,j) shifted by j + f(i,j-1)
  let prev = [];
  for (let j = 0; j <= n2; j++) prev[j] = [1];
  for (let i = 1; i <= n1; i++) {
    const cur = [[1]];
    for (let j = 1; j <= n2; j++) {
      const a = prev[j], b = cur[j - 1];
      const out = new Array(i * j + 1).fill(0);
      for (let u = 0; u < a.length; u++) out[u + j] += a[u];
      for (let u = 0; u < b.length; u++) out[u] += b[u];
      cur[j] = out;
    }
    prev = cur;
  }
  return prev[n2];
}

/**
 * Mann–Whitney U test, two-sided p-value: exact (enumerated U distribution) for small samples
 * without ties, as benchstat does; the normal approximation otherwise.
 */
export function rankTest(a, b) {
  const n1 = a.length, n2 = b.length;
  if (n1 === 0 || n2 === 0) return 1;
  const ties = new Set([...a, ...b]).size < n1 + n2;
  if (ties || n1 * n2 > 400) return mannWhitney(a, b);
  let u = 0;
  for (const x of a) for (const y of b) u += x > y ? 1 : 0;
  const dist = uDistribution(n1, n2);
  const total = dist.reduce((s, c) => s + c, 0);
  const lo = Math.min(u, n1 * n2 - u);
  let tail = 0;
  for (let k = 0; k <= lo; k++) tail += dist[k];
  return Math.min(1, (2 * tail) / total);
}

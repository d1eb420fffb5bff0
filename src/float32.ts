/**
 * Go's float32 as JSON and fmt print it: the fewest decimal digits that read back as the same
 * float32 (strconv with bitSize 32). The Go reimage's CVSS and risk scores are float32, so a
 * grype risk of 0.12225000000000001 is 0.12225 there.
 */
export function shortestFloat32(n: number): number {
  const target = Math.fround(n);
  if (!Number.isFinite(target) || target === 0) return target;
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(target.toPrecision(digits));
    if (Math.fround(shortest) === target) return shortest;
  }
  return target;
}

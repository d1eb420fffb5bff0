/** The run's summary line and, on a terminal, its progress line (both on stderr). */
import type { PipelineSummary } from '../pipeline/pipeline.js';

function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** "12 images found, 5 distinct: 3 already present, 2 copied (4.1 MB) in 1.3s" */
export function formatSummary(s: PipelineSummary, elapsedMs: number, dryRun: boolean): string {
  const parts = [`${s.alreadyPresent} already present`, `${s.copied} copied (${formatBytes(s.bytesMoved)})`];
  if (s.notCopied > 0) parts.push(`${s.notCopied} ${dryRun ? 'would be copied' : 'not copied (-no-copy)'}`);
  return `${s.imagesFound} image${s.imagesFound === 1 ? '' : 's'} found, ${s.distinct} distinct: ${parts.join(', ')} in ${(elapsedMs / 1000).toFixed(1)}s`;
}

/** Progress on one rewritten line; only when stderr is a terminal, so logs and pipes stay clean. */
export function progressReporter(stream: NodeJS.WriteStream | undefined): {
  update: (phase: string, done: number, total: number) => void;
  clear: () => void;
} {
  if (!stream?.isTTY) return { update: () => {}, clear: () => {} };
  let shown = false;
  return {
    update: (phase, done, total) => {
      stream.write(`\r\x1b[Kreimage: ${phase} ${done}/${total}`);
      shown = true;
    },
    clear: () => {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

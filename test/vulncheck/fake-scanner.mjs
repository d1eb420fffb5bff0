// A stand-in for trivy/grype: prints a published report (or misbehaves) as its JSON config says.
// Usage: node fake-scanner.mjs CONFIG.json [scanner args…] IMAGE
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [configPath, ...args] = process.argv.slice(2);
const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
if (cfg.argvLog) fs.appendFileSync(cfg.argvLog, `${JSON.stringify(args)}\n`);

if (cfg.aliveDir) {
  // Concurrency probe: announce ourselves, record how many scanners are alive, wait for company.
  const me = path.join(cfg.aliveDir, String(process.pid));
  fs.writeFileSync(me, '');
  const giveUp = Date.now() + 3000;
  for (;;) {
    const alive = fs.readdirSync(cfg.aliveDir).length;
    fs.appendFileSync(cfg.countsLog, `${alive}\n`);
    if (alive >= cfg.waitFor || Date.now() > giveUp) break;
    await sleep(20);
  }
  await sleep(50);
  fs.appendFileSync(cfg.countsLog, `${fs.readdirSync(cfg.aliveDir).length}\n`);
  fs.unlinkSync(me);
}

if (cfg.hang || cfg.flood) {
  // A child that shares our stdout, as scanner helpers do; both must be killed on timeout.
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(cfg.pidFile, JSON.stringify({ scanner: process.pid, child: child.pid }));
  setInterval(() => {}, 1e6);
  // flood: print that many bytes as fast as they are read, then hang with stdout open (a runaway
  // scanner; the bound only keeps a reimage that does not cap stdout from eating the machine).
  const chunk = Buffer.alloc(1 << 20, ' ');
  let left = cfg.flood ?? 0;
  const more = () => {
    while (left > 0) {
      left -= chunk.length;
      if (!process.stdout.write(chunk)) return void process.stdout.once('drain', more);
    }
  };
  more();
} else {
  if (cfg.stderr) process.stderr.write(cfg.stderr);
  // reportByImage: {"part of the image reference": report file}, for scans of several images.
  const image = args.at(-1) ?? '';
  const reportFile = Object.entries(cfg.reportByImage ?? {}).find(([part]) => image.includes(part))?.[1] ?? cfg.reportFile;
  const out = reportFile ? fs.readFileSync(reportFile, 'utf8') : (cfg.stdout ?? '');
  process.stdout.write(out, () => process.exit(cfg.exitCode ?? 0));
}

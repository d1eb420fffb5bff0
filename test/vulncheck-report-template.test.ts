/**
 * -vulncheck-report-template: Go's VulnCheckReportData shape (Mappings, Rejections, UnusedIgnores,
 * CVE and RejectedCVE fields) rendered by a template like a Go user writes, with the output Go's
 * text/template gives for the same data; start-up errors for bad templates.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import type { MappingEntry } from '../src/mappings/format.js';
import { ReportTemplate, reportTemplateData } from '../src/vulncheck/index.js';
import { TemplateError } from '../src/pipeline/template.js';
import { tempDir } from './harness/temp-dir.js';
import { configFromArgs } from './vulncheck/harness.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const rejected = { ID: 'CVE-2019-18224', CVSS: 9.8, Risk: 0, Desc: 'heap overflow', Reason: 'CVSS 9.8 is above the limit 7' };
const MAPPINGS = new Map<string, MappingEntry>([
  ['nginx:1.27', { tag: 'r.example.com/nginx:1', digest: D1, vulncheckResult: {
    Ignored: [{ ID: 'CVE-2019-18276', CVSS: 7.8, Risk: 0, Desc: 'saved uid' }], Accepted: [{ ID: 'CVE-2019-1563', CVSS: 3.7, Risk: 0, Desc: '' }],
    Rejected: [rejected],
  } }],
  ['busybox', { tag: 'r.example.com/busybox:2', digest: D2, vulncheckResult: { Ignored: null, Accepted: null, Rejected: [rejected] } }],
  ['quay.io/a/b:1', { tag: 'r.example.com/b:1', digest: D2 }],
]);

const TEMPLATE = `{{- /* a report in the shape of Go's VulnCheckReportData */ -}}
{{ range $img, $q := .Mappings -}}
{{ $img }} -> {{ $q.Tag }}@{{ $q.Digest | trunc 15 }}
{{- range $q.VulnCheckResult.Rejected }}
  REJECTED {{ .ID }} {{ printf "%.1f" .CVSS }} ({{ .Reason }})
{{- else }}
  ok: {{ len $q.VulnCheckResult.Accepted }} accepted, {{ len $q.VulnCheckResult.Ignored }} ignored
{{- end }}
{{ end -}}
{{ range $id, $r := .Rejections -}}
{{ $id }} {{ $r.CVSS }} risk {{ $r.Risk }}: {{ join ", " $r.Images }} -- {{ $r.Desc | default "no description" }}
{{ end -}}
{{ with .UnusedIgnores }}unused: {{ join "," . }}{{ else }}no unused ignores{{ end }}
`;

// What Go's text/template + sprig print for the same data.
const EXPECTED = `busybox -> r.example.com/busybox:2@sha256:22222222
  REJECTED CVE-2019-18224 9.8 (CVSS 9.8 is above the limit 7)
nginx:1.27 -> r.example.com/nginx:1@sha256:11111111
  REJECTED CVE-2019-18224 9.8 (CVSS 9.8 is above the limit 7)
quay.io/a/b:1 -> r.example.com/b:1@sha256:22222222
  ok: 0 accepted, 0 ignored
CVE-2019-18224 9.8 risk 0: busybox, nginx:1.27 -- heap overflow
unused: CVE-2000-0001,CVE-2000-0002
`;

describe('-vulncheck-report-template', () => {
  it('renders Go\'s report data: mappings by image, rejections by CVE with their images, unused ignores', () => {
    const data = reportTemplateData(MAPPINGS, ['CVE-2019-18276', 'CVE-2000-0002', 'CVE-2000-0001', 'CVE-2000-0001']);
    assert.equal(ReportTemplate.parse(TEMPLATE, 'report.tmpl').render(data), EXPECTED);
  });

  it('encodes the data to JSON as Go does: embedded CVE fields flattened, empty lists null', () => {
    const data = reportTemplateData(new Map([...MAPPINGS].slice(1, 2)), []);
    assert.equal(ReportTemplate.parse('{{ toJson . }}', 'j').render(data), JSON.stringify({
      Mappings: { busybox: { Tag: 'r.example.com/busybox:2', Digest: D2, VulnCheckResult: { Ignored: null, Accepted: null, Rejected: [rejected] } } },
      Rejections: { 'CVE-2019-18224': { ...rejected, Images: ['busybox'] } },
      UnusedIgnores: null,
    }));
  });

  it('is read and parsed at start-up: an unknown function or bad syntax names the file; it needs -vulncheck-report-output', async () => {
    const dir = await tempDir();
    const good = join(dir, 'good.tmpl');
    const bad = join(dir, 'bad.tmpl');
    await writeFile(good, TEMPLATE);
    await writeFile(bad, 'line 1\n{{ range .Mappings }}{{ sha256sum . }}{{ end }}\n');
    assert.ok(configFromArgs(['-vulncheck-report-template', good, '-vulncheck-report-output', join(dir, 'out.txt')]).reportTemplate);
    assert.throws(() => configFromArgs(['-vulncheck-report-template', bad, '-vulncheck-report-output', 'x']),
      (err: Error) => err instanceof TemplateError && /^report template bad\.tmpl: 2:25: function "sha256sum" not defined/.test(err.message));
    assert.throws(() => configFromArgs(['-vulncheck-report-template', good]),
      (err: Error) => err instanceof UsageError && /-vulncheck-report-template needs -vulncheck-report-output/.test(err.message));
    assert.throws(() => configFromArgs(['-vulncheck-report-template', join(dir, 'missing.tmpl'), '-vulncheck-report-output', 'x']),
      /could not read report template .*missing\.tmpl/);
  });

  it('is read whole from a pipe (a shell\'s <(…)), and a file over 1 MiB is refused', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    // A separate process writes the pipe, as a shell would: ReportTemplate.load reads synchronously.
    const writer = spawn('sh', ['-c', 'printf "%s" "$1" > "$2"', 'sh', '{{ len .Mappings }} images', fifo]);
    const fromPipe = ReportTemplate.load(fifo);
    await new Promise((resolve) => writer.on('close', resolve));
    assert.equal(fromPipe.render(reportTemplateData(MAPPINGS, [])), '3 images');
    const big = join(dir, 'big.tmpl');
    await writeFile(big, 'x'.repeat((1 << 20) + 1));
    assert.throws(() => ReportTemplate.load(big), /report template .*big\.tmpl is larger than the 1 MiB limit/);
  });
});

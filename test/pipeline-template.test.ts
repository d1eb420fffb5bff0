import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RENAME_TEMPLATE } from '../src/cli/options.js';
import { fixHostsInPath, RenameTemplate, renameFields, TemplateError } from '../src/pipeline/template.js';
import { parseReference } from '../src/reference/reference.js';

const HEX = 'ab'.repeat(32);
const DIGEST = `sha256:${HEX}`;
const fields = (image: string, remotePath = 'registry.example.com/imported') =>
  renameFields(parseReference(image), DIGEST, remotePath);
const render = (template: string, image = 'nginx:1.27') => RenameTemplate.compile(template).render(fields(image));
const compileError = (template: string): string => {
  try {
    RenameTemplate.compile(template);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected TemplateError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`template ${template} compiled`);
};

describe('rename template fields', () => {
  it('gives Docker Hub as index.docker.io and official images library/', () => {
    assert.deepEqual(fields('nginx:1.27'), {
      RemotePath: 'registry.example.com/imported',
      Digest: DIGEST,
      DigestAlgo: 'sha256',
      DigestHex: HEX,
      Tag: '1.27',
      Registry: 'index.docker.io',
      Repository: 'library/nginx',
    });
  });

  it('leaves Tag empty for a digest reference and keeps other registries as written', () => {
    const f = fields(`quay.io/prometheus/node-exporter@${DIGEST}`);
    assert.equal(f.Tag, '');
    assert.equal(f.Registry, 'quay.io');
    assert.equal(f.Repository, 'prometheus/node-exporter');
  });

  it('renders the default template like the Go tool', () => {
    assert.equal(
      RenameTemplate.compile(DEFAULT_RENAME_TEMPLATE).rename(fields('nginx')),
      `registry.example.com/imported/index.docker.io/library/nginx:${HEX}`,
    );
  });

  it('turns a source registry port into a valid path component with the default template', () => {
    const t = RenameTemplate.compile(DEFAULT_RENAME_TEMPLATE);
    assert.equal(t.rename(fields('localhost:5000/app:1')), `registry.example.com/imported/localhost_5000/app:${HEX}`);
    assert.equal(
      t.rename(fields('127.0.0.1:5000/team/app:1', '127.0.0.1:6000/mirror')),
      `127.0.0.1:6000/mirror/127.0.0.1_5000/team/app:${HEX}`,
    );
  });

  it('writes an IPv6 source registry out in full, and lowercases a host, with the default template', () => {
    const t = RenameTemplate.compile(DEFAULT_RENAME_TEMPLATE);
    assert.equal(t.rename(fields('[::1]:5000/app:1')), `registry.example.com/imported/0_0_0_0_0_0_0_1_5000/app:${HEX}`);
    assert.equal(t.rename(fields('[2001:DB8::1]/team/app:1')), `registry.example.com/imported/2001_db8_0_0_0_0_0_1/team/app:${HEX}`);
    assert.equal(t.rename(fields('[::]/app:1')), `registry.example.com/imported/0_0_0_0_0_0_0_0/app:${HEX}`);
    assert.equal(t.rename(fields('Registry.Example.COM/app:1')), `registry.example.com/imported/registry.example.com/app:${HEX}`);
    // The target registry (first component) may itself be an IPv6 address with a port.
    assert.equal(t.rename(fields('[::1]:5000/app:1', '[::1]:6000/mirror')), `[::1]:6000/mirror/0_0_0_0_0_0_0_1_5000/app:${HEX}`);
  });

  it('keeps a port in the first component, which is the target registry', () => {
    assert.equal(fixHostsInPath('localhost:5000/app:1'), 'localhost:5000/app:1');
    assert.equal(fixHostsInPath(`r.io/a/h:5000/b@${DIGEST}`), `r.io/a/h_5000/b@${DIGEST}`);
    assert.equal(fixHostsInPath('nginx:1'), 'nginx:1');
  });

  it('rejects output that is not a reference, naming it', () => {
    const t = RenameTemplate.compile('{{ .RemotePath }}/{{ .Repository }}:{{ .Tag }}');
    assert.throws(() => t.rename(fields(`nginx@${DIGEST}`)), /invalid image reference "registry.example.com\/imported\/library\/nginx:"/);
  });
});

describe('rename template syntax', () => {
  it('supports pipelines and the string helpers', () => {
    assert.equal(render('{{ .Repository | replace "/" "-" | upper }}'), 'LIBRARY-NGINX');
    assert.equal(render('{{ .Repository | trimPrefix "library/" }}'), 'nginx');
    assert.equal(render('{{ trimSuffix ".io" "quay.io" }}'), 'quay');
    assert.equal(render('{{ "ABC" | lower }}'), 'abc');
    assert.equal(render('{{ hasPrefix "lib" .Repository }} {{ hasSuffix "x" .Repository }} {{ contains "ngi" .Repository }}'), 'true true true');
    assert.equal(render('{{ len .Tag }}'), '4');
  });

  it('trims whitespace around {{- and -}}, and drops comments', () => {
    assert.equal(render('a  \n {{- .Tag -}} \n\t b'), 'a1.27b');
    assert.equal(render('a {{/* a comment */}} b'), 'a  b');
    assert.equal(render('a {{- /* trimmed */ -}} b'), 'ab');
    assert.equal(render('{{ 3 }} {{-3}}'), '3 -3'); // no space after the dash: a number, not a trim marker
  });

  it('supports if/else if/else/end with eq, ne, and, or, not', () => {
    const t = '{{ if eq .Registry "index.docker.io" }}hub{{ else if eq .Registry "quay.io" "ghcr.io" }}other{{ else }}{{ .Registry }}{{ end }}';
    assert.equal(render(t, 'nginx'), 'hub');
    assert.equal(render(t, 'ghcr.io/a/b:1'), 'other');
    assert.equal(render(t, 'gcr.io/a/b:1'), 'gcr.io');
    assert.equal(render('{{ if and .Tag (ne .Tag "latest") (not false) }}tagged{{ end }}'), 'tagged');
    assert.equal(render('{{ or .Tag .DigestHex }}', `nginx@${DIGEST}`), HEX);
    assert.equal(render('{{ and .Tag "x" }}', `nginx@${DIGEST}`), '');
    assert.equal(render('{{ if lt 1 2 }}{{ if ge "b" "a" }}ok{{ end }}{{ end }}'), 'ok');
  });

  it('and/or stop at the first deciding argument, as in Go', () => {
    // The second argument would fail (wrong type for eq) if it were evaluated.
    assert.equal(render('{{ or true (eq 1 "a") }}'), 'true');
    assert.equal(render('{{ and false (eq 1 "a") }}'), 'false');
  });

  it('supports with, variables and $', () => {
    assert.equal(render('{{ with .Tag }}{{ . }}-{{ $.Repository }}{{ else }}none{{ end }}'), '1.27-library/nginx');
    assert.equal(render('{{ with .Tag }}{{ . }}{{ else }}none{{ end }}', `nginx@${DIGEST}`), 'none');
    assert.equal(render('{{ $r := .Repository | trimPrefix "library/" }}{{ $r }}:{{ $r | len }}'), 'nginx:5');
    assert.equal(render('{{ $t := "x" }}{{ if .Tag }}{{ $t = .Tag }}{{ end }}{{ $t }}'), '1.27');
    assert.equal(render('{{ $d := . }}{{ $d.Registry }}'), 'index.docker.io');
    assert.equal(render('{{ (printf "%s/%s" .Registry .Repository) | len }}'), '29');
  });

  it('implements printf verbs the way Go does', () => {
    assert.equal(render('{{ printf "%s|%v|%q|%d|%x" .Tag .Tag .Tag 42 "hi" }}'), '1.27|1.27|"1.27"|42|6869');
    assert.equal(render('{{ printf "%5s|%-5s|%05d|%.3s|%+d|%t" "ab" "ab" 42 .Repository 7 true }}'), '   ab|ab   |00042|lib|+7|true');
    assert.equal(render('{{ printf "%.2f %v %e" 1.5 2.5 1234.5 }}'), '1.50 2.5 1.234500e+03');
    assert.equal(render('{{ printf "%d %s" "x" }}'), '%!d(string=x) %!s(MISSING)');
    assert.equal(render('{{ printf "%s" "a" 1 }}'), 'a%!(EXTRA int=1)');
    assert.equal(render('{{ printf "100%%" }}'), '100%');
    assert.equal(render('{{ printf "%q" "a\\"b\\n" }}'), '"a\\"b\\n"');
    assert.equal(render('{{ print "a" 1 2 "b" }}|{{ println 1 "x" }}'), 'a1 2b|1 x\n');
  });

  it('prints literals and raw strings', () => {
    assert.equal(render('{{ `raw\\n` }} {{ "esc\\t" }} {{ true }} {{ 1.5 }} {{ 0x1f }}'), 'raw\\n esc\t true 1.5 31');
  });
});

describe('rename template errors at start-up', () => {
  it('rejects an unknown field, listing the fields', () => {
    assert.match(compileError('{{ .RemotePath }}/{{ .Repo }}'), /1:22: unknown field \.Repo \(the fields are \.RemotePath, \.Digest/);
    assert.match(compileError('{{ $.Nope }}'), /unknown field \.Nope/);
  });

  it('rejects an unknown function, even in a branch that would not run', () => {
    assert.match(compileError('{{ if false }}{{ sha1sum .Tag }}{{ end }}'), /function "sha1sum" not defined/);
    assert.match(compileError('{{ .Tag | quote }}'), /function "quote" not defined/);
  });

  it('rejects wrong argument counts and types', () => {
    assert.match(compileError('{{ lower }}'), /wrong number of args for lower: want 1 got 0/);
    assert.match(compileError('{{ .Tag | replace "a" }}'), /wrong number of args for replace: want 3 got 2/);
    assert.match(compileError('{{ eq .Tag }}'), /wrong number of args for eq: want at least 2 got 1/);
    assert.match(compileError('{{ upper true }}'), /wrong type for value in upper; expected string; got bool/);
    assert.match(compileError('{{ printf 1 }}'), /printf: the format must be a string/);
  });

  it('rejects field access on a string, undefined variables and bad structure', () => {
    assert.match(compileError('{{ .Tag.Name }}'), /can't evaluate field Name in type string/);
    assert.match(compileError('{{ $x }}'), /undefined variable "\$x"/);
    assert.match(compileError('{{ if .Tag }}x'), /has no \{\{end\}\}/);
    assert.match(compileError('{{ end }}'), /unexpected \{\{end\}\}/);
    assert.match(compileError('{{ range .Tag }}{{ end }}'), /range can't iterate over 1.27/);
    assert.match(compileError('{{ .Tag'), /unclosed action/);
    assert.match(compileError('{{ "abc }}'), /unterminated quoted string/);
    assert.match(compileError('{{ .Tag .Registry }}'), /can't give argument to non-function \.Tag/);
    assert.match(compileError('{{ nil }}'), /nil is not a command/);
    assert.match(compileError('{{ .Tag | }}'), /missing command after \|/);
  });

  it('runs the template once on sample input so run-time type errors show at start-up', () => {
    assert.match(compileError('{{ if eq .Tag 1 }}x{{ end }}'), /incompatible types for comparison: string and int/);
  });
});

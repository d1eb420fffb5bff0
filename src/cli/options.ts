/**
 * Every reimage flag. Names, syntax and defaults follow the Go reimage; flags marked "(new)" are
 * ours. Keep README's flag reference in step with this table.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_BINAUTHZ_ENDPOINT, DEFAULT_GRAFEAS_ENDPOINT, DEFAULT_KMS_ENDPOINT } from '../gcp/endpoints.js';
import type { FlagSpec, FlagTable } from './flags.js';

type Spec<K extends FlagSpec['kind']> = Extract<FlagSpec, { kind: K }>;

export const DEFAULT_RENAME_TEMPLATE = '{{ .RemotePath }}/{{ .Registry }}/{{ .Repository }}:{{ .DigestHex }}';

const s = (usage: string, def = '', valueName?: string): Spec<'string'> => ({
  kind: 'string', usage, default: def, ...(valueName && { valueName }),
});
const b = (usage: string, def = false): Spec<'bool'> => ({ kind: 'bool', usage, default: def });
const list = (usage: string, valueName?: string): Spec<'list'> => ({
  kind: 'list', usage, default: [], ...(valueName && { valueName }),
});

export const FLAGS = {
  // General
  V: b('print version/build info and exit'),
  debug: b('enable debug logging'),
  dryrun: b('make no registry writes, file writes or attestations; say on stderr what would be done'),
  timeout: { kind: 'duration', usage: '(new) give up the whole run after this long, printing nothing; 0 means no limit', default: 0 },

  // Finding images
  input: s('type of input: k8s (Kubernetes objects) or yaml (any YAML, with kind: Raw rules)', 'k8s'),
  'rules-config': s('YAML file of extra kind/apiVersion → imageJSONP rules', '', 'file'),
  ignore: s('regexp: images matching it are left completely alone (not looked up, not recorded)', '', 'regexp'),
  'list-images': b('(new) print every image occurrence and exit, touching no registry (unless -show-referrers)'),
  output: s('(new) format of -list-images: table or json (one object per line)', 'table'),
  suspects: s('(new) image references in strings outside image fields (suspects): warn, fail or ignore', 'warn'),

  // Registry access
  'insecure-registry': list('(new) registry host[:port] to reach over plain HTTP (repeatable or comma-separated)', 'host'),
  'registry-concurrency': { kind: 'int', usage: '(new) maximum concurrent requests per registry', default: 4 },
  'registry-timeout': {
    kind: 'duration',
    usage: '(new) a registry request fails (and is retried) when no answer, or no data, comes for this long',
    default: 20_000,
  },
  'registry-mirror': list('(new) send requests for a registry to another host: docker.io=mirror.example.com (repeatable)', 'from=to'),

  // Renaming and copying
  'rename-ignore': s('do not rename images matching this regexp (they are still checked and recorded)', '^$', 'regexp'),
  'rename-remote-path': s('registry and path prefix to copy renamed images under', '', 'path'),
  'rename-template': s('Go text/template for the renamed image', DEFAULT_RENAME_TEMPLATE, 'template'),
  'rename-force-digest': b('write the final image in digest form, registry/repo@sha256:…'),
  'output-tag-and-digest': b('(new) write the final image as registry/repo:tag@sha256:…'),
  clobber: b('allow overwriting existing remote tags that hold a different digest'),
  'no-copy': b('disable copying of renamed images'),

  // Mappings
  'write-json-mappings-file': s('write the final image mappings to this JSON file', '', 'file'),
  'write-json-mappings-img': s('push the final image mappings as a one-layer image to this reference', '', 'image'),
  'static-json-mappings-file': s('take all mappings from this JSON mappings file', '', 'file'),
  'static-json-mappings-img': s('take all mappings from this mappings image', '', 'image'),
  'verify-static-json-mappings': b('when loading static mappings, verify each target still has its recorded digest', true),
  'mappings-only': b('read no YAML: copy, check and attest every image in the static mappings'),
  shard: s('(new) with -mappings-only or -list-images, handle only the images of shard INDEX of COUNT; /COUNT takes INDEX from $JOB_COMPLETION_INDEX', '', 'INDEX/COUNT'),

  // Vulnerability checks
  'vulncheck-max-cvss': { kind: 'float', usage: 'maximum CVSS score allowed; 0 disables checking, 11 records without failing', default: 0 },
  'vulncheck-max-risk': { kind: 'float', usage: 'maximum grype risk score allowed (grype-json only); 0 disables this limit', default: 0 },
  'vulncheck-ignore-cve-list': {
    kind: 'repeat',
    usage: 'comma-separated vulnerability IDs to ignore, or REGEXP=ID,ID to ignore them only for images matching REGEXP (repeatable)',
    default: [],
    valueName: 'list',
  },
  'vulncheck-ignore-images': s('regexp of final images to skip vulnerability checks for', '', 'regexp'),
  'vulncheck-method': s('vulnerability check method: trivy, exec or grafeas', 'trivy'),
  'trivy-command': s('scanner command; the image reference is appended as the last argument', 'trivy image -f json', 'command'),
  'vulncheck-command': s('scanner command (newer name for -trivy-command; wins when both are given)', '', 'command'),
  'vulncheck-format': s('scanner output format: trivy-json or grype-json', 'trivy-json'),
  'vulncheck-timeout': { kind: 'duration', usage: 'how long one image\'s check may take', default: 10 * 60_000 },
  'vulncheck-workers': {
    kind: 'int', usage: 'number of concurrent vulnerability scans', default: availableParallelism(), defaultText: 'number of CPUs',
  },
  'vulncheck-max-retries': { kind: 'int', usage: 'Grafeas polls, after the first, while waiting for a finished scan', default: 20 },
  'vulncheck-unscored-cvss': { kind: 'float', usage: '(new) score given to a vulnerability with no CVSS score', default: 0 },
  'vulncheck-report-output': s('write the vulnerability report to this file: the verdict as JSON, or -vulncheck-report-template rendered', '', 'file'),
  'vulncheck-report-template': s('a Go template file (with sprig functions) to render the report with, as the Go tool does', '', 'file'),
  'grafeas-parent': s('Grafeas parent, e.g. projects/my-project', '', 'parent'),
  'grafeas-endpoint': s('(new) Container Analysis (Grafeas) REST base URL', DEFAULT_GRAFEAS_ENDPOINT, 'url'),
  'gcp-access-token-file': s('(new) file holding a Google Cloud access token, instead of application default credentials', '', 'file'),

  // Signatures and referrers
  'verify-signature-key': {
    kind: 'repeat',
    usage: '(new) PEM public key file (ECDSA P-256/P-384, RSA, Ed25519): every image must carry a cosign signature that verifies under one of these keys (repeatable)',
    default: [],
    valueName: 'file',
  },
  'verify-signature-ignore-images': s('(new) regexp of final images (digest references) to skip signature checks for', '', 'regexp'),
  'copy-referrers': b('(new) copy cosign signatures, attestations and SBOMs and OCI referrers along with each copied image'),
  'copy-referrers-artifact-type': list('(new) with -copy-referrers, copy only OCI referrers of this artifact type (repeatable or comma-separated)', 'type'),
  'show-referrers': b('(new) with -list-images -output json, look up each image\'s digest, signatures and other referrers in its registry'),

  // Attestation
  'binauthz-attestor': s('Binary Authorization attestor to attest for, e.g. projects/P/attestors/A', '', 'attestor'),
  'binauthz-endpoint': s('(new) Binary Authorization REST base URL', DEFAULT_BINAUTHZ_ENDPOINT, 'url'),
  'gcp-kms-key': s('Cloud KMS key version to sign with (default: the attestor\'s first public key id, when it names one)', '', 'key'),
  'gcp-kms-endpoint': s('(new) Cloud KMS REST base URL', DEFAULT_KMS_ENDPOINT, 'url'),
  'attestation-key': s('(new) PEM private key file to sign attestations with, instead of Cloud KMS', '', 'file'),
  'attestation-key-id': s('(new) public key id of -attestation-key, as registered on the attestor', '', 'id'),
} as const satisfies FlagTable;


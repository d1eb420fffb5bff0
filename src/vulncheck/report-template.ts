/**
 * -vulncheck-report-template: a Go text/template (with the sprig subset in
 * pipeline/template/sprig.ts) rendered into -vulncheck-report-output over the data the Go reimage
 * gives its template, reimage.VulnCheckReportData:
 *
 *   .Mappings       map[string]QualifiedImage   by image as written: .Tag .Digest
 *                                               .VulnCheckResult{.Ignored .Accepted []CVE, .Rejected []RejectedCVE}
 *   .Rejections     map[string]{RejectedCVE; Images []string}   by CVE ID, images as written, sorted
 *   .UnusedIgnores  []string                    ignored IDs no image needed, sorted
 *
 * CVE is {ID string, CVSS float32, Risk float32, Desc string}; RejectedCVE embeds CVE and adds
 * Reason, so `.ID` works on either. Parsed when reimage starts: a syntax error or an unknown
 * function is an error then.
 */
import { basename } from 'node:path';
import { BodyTooLargeError, readFileCappedSync } from '../bounded-read.js';
import { ReimageError } from '../errors.js';
import type { CveRecord, MappingEntry, RejectedCveRecord } from '../mappings/format.js';
import { execute } from '../pipeline/template/exec.js';
import { parseTemplate, type ParsedTemplate } from '../pipeline/template/parse.js';
import { REPORT_FUNCTIONS } from '../pipeline/template/sprig.js';
import { GoFloat, GoMap, goStruct, NIL_SLICE, type Value } from '../pipeline/template/values.js';

const MAX_TEMPLATE_BYTES = 1024 * 1024;

export class ReportTemplate {
  private constructor(
    private readonly source: string,
    private readonly parsed: ParsedTemplate,
    private readonly label: string,
  ) {}

  /** Reads and parses the template file (at most 1 MiB). */
  static load(file: string): ReportTemplate {
    let text: string;
    try {
      text = readFileCappedSync(file, MAX_TEMPLATE_BYTES, `report template ${file}`);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw err;
      throw new ReimageError(`could not read report template ${file}: ${(err as Error).message}`);
    }
    return ReportTemplate.parse(text, basename(file));
  }

  static parse(text: string, name: string): ReportTemplate {
    const label = `report template ${name}`;
    return new ReportTemplate(text, parseTemplate(text, { functions: REPORT_FUNCTIONS, label }), label);
  }

  render(data: Value): string {
    return execute(this.source, this.parsed, data, { functions: REPORT_FUNCTIONS, label: this.label });
  }
}

const float32 = (n: number) => new GoFloat(n, 32);
const cve = (c: CveRecord) => goStruct({ ID: c.ID, CVSS: float32(c.CVSS), Risk: float32(c.Risk), Desc: c.Desc });
const rejectedCve = (c: RejectedCveRecord) => goStruct({ CVE: cve(c), Reason: c.Reason }, ['CVE']);
const slice = <T>(list: readonly T[] | null | undefined, map: (t: T) => Value): readonly Value[] => (list && list.length > 0 ? list.map(map) : NIL_SLICE);

/**
 * Go's VulnCheckReportData for these mappings (keyed by image as written) and the IDs named in
 * -vulncheck-ignore-cve-list. A rejection's CVE fields come from the first image (by name) that
 * rejected it; Go takes whichever its map iteration meets first.
 */
export function reportTemplateData(mappings: ReadonlyMap<string, MappingEntry>, ignoreIds: readonly string[]): Value {
  const images = [...mappings.keys()].sort();
  const qualified = new GoMap([], 'map[string]reimage.QualifiedImage');
  const rejections = new Map<string, { first: RejectedCveRecord; images: string[] }>();
  const used = new Set<string>();
  for (const image of images) {
    const entry = mappings.get(image) as MappingEntry;
    const result = entry.vulncheckResult;
    qualified.set(image, goStruct({
      Tag: entry.tag,
      Digest: entry.digest,
      VulnCheckResult: goStruct({
        Ignored: slice(result?.Ignored, cve),
        Accepted: slice(result?.Accepted, cve),
        Rejected: slice(result?.Rejected, rejectedCve),
      }),
    }));
    for (const c of result?.Ignored ?? []) used.add(c.ID);
    for (const r of result?.Rejected ?? []) {
      const seen = rejections.get(r.ID) ?? { first: r, images: [] };
      if (!seen.images.includes(image)) seen.images.push(image);
      rejections.set(r.ID, seen);
    }
  }
  const rejectionMap = new GoMap([], 'map[string]reimage.VulnCheckReportDataRejection');
  for (const [id, { first, images: rejectedIn }] of rejections) {
    rejectionMap.set(id, goStruct({ RejectedCVE: rejectedCve(first), Images: rejectedIn }, ['RejectedCVE']));
  }
  const unused = [...new Set(ignoreIds)].filter((id) => !used.has(id)).sort();
  return goStruct({ Mappings: qualified, Rejections: rejectionMap, UnusedIgnores: unused.length > 0 ? unused : NIL_SLICE });
}

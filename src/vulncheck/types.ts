/**
 * The vulnerability gate's data: what a scanner reported for one image, and the verdict over all
 * images. The verdict is also the -vulncheck-report-output JSON, so field names are public.
 */

/** One package a vulnerability was found in. */
export interface AffectedPackage {
  name: string;
  version?: string;
  /** Version(s) that fix it, when the scanner knows one. */
  fixedVersion?: string;
}

/** One vulnerability ID in one image, merged over every package it was found in. */
export interface Vulnerability {
  id: string;
  /** CVSS base score used by the gate (the -vulncheck-unscored-cvss value when `unscored`). */
  score: number;
  /** The scanner gave no CVSS score at all. */
  unscored?: true;
  /** grype's risk score (0 to 100), the highest over the ID's matches; absent for trivy and Grafeas. */
  risk?: number;
  /** The scanner's description of the vulnerability (the longest of its findings'). */
  description?: string;
  packages: AffectedPackage[];
  /** For rejected and ignored vulnerabilities: which limits they are above. */
  above?: Array<'score' | 'risk'>;
  /** For ignored vulnerabilities: the ignore entries that matched, as written on the command line. */
  ignoredBy?: string[];
}

/** Why an image could not be checked: the scanner failed, timed out, or Grafeas said no. */
export interface ScanFailure {
  message: string;
  command?: string[];
  exitCode?: number | null;
  signal?: string | null;
  stderr?: string;
}

export interface ImageVerdict {
  /** The final image, by digest: registry/repo@sha256:… */
  image: string;
  /** Where the content was read, when the final image was not there yet (-dryrun): the source, by digest. */
  scannedAs?: string;
  /** The image matched -vulncheck-ignore-images and was not scanned. */
  skipped?: true;
  /** Vulnerabilities within the limits (the Go tool's "found"). */
  found: Vulnerability[];
  /** Vulnerabilities above a limit that an ignore entry let through. */
  ignored: Vulnerability[];
  /** Vulnerabilities above a limit: these fail the run. Sorted by score, highest first. */
  rejected: Vulnerability[];
  error?: ScanFailure;
}

export interface VulncheckVerdict {
  /** False when -vulncheck-max-cvss and -vulncheck-max-risk are both 0: nothing was scanned. */
  enabled: boolean;
  maxCvss: number;
  /** -vulncheck-max-risk; 0 when the risk limit is off. */
  maxRisk: number;
  images: ImageVerdict[];
  /** Rejected vulnerabilities grouped by ID across images (as the Go tool's failure log), highest score first. */
  rejections: Rejection[];
  /** Ignore entries that let no vulnerability through in any image, so they can be pruned. */
  unusedIgnores: string[];
  /** No image has a rejected vulnerability or a scan error. */
  passed: boolean;
}

/** What a scanner report says about one vulnerability in one package, before merging by ID. */
export interface Finding {
  id: string;
  /** Undefined when the report has no CVSS score for it. */
  score?: number;
  /** grype's risk score, when the report has one. */
  risk?: number;
  description?: string;
  package?: AffectedPackage;
}

/** One rejected vulnerability ID with every image it was rejected in. */
export interface Rejection extends Vulnerability {
  /** The final images, by digest, sorted. */
  images: string[];
}

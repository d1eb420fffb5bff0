/**
 * What a run says about suspects (image references in strings outside every image field): the
 * count, the first few places, and a rule that would cover the first one.
 */
import { describeObject, describePlace, type Suspect } from '../manifests/index.js';
import { quoteMeta } from '../regexp.js';

export type SuspectsMode = 'warn' | 'fail' | 'ignore';

const LISTED = 5;

function describe(s: Suspect): string {
  const object = describeObject(s.kind, s.namespace, s.name);
  const at = s.span ? ` (offset ${s.span.offset}, length ${s.span.length})` : '';
  return `${describePlace(object, s.source, s.doc)} ${s.path}${at}: ${s.image}`;
}

/** The option in front of the reference (`--flag=`, `-flag=`, `KEY=`), when the string has one. */
const OPTION_BEFORE = /(?:^|\s)(-{1,2}[A-Za-z0-9][\w.-]*=|[A-Za-z_][A-Za-z0-9_]*=)$/;

/**
 * A -rules-config rule (as YAML lines) that makes the suspect an image. List indexes become
 * `[*]`, so the rule selects its siblings too: an imageRegexp keeps it to strings that hold an
 * image (the option in front of it, or its registry), except for an `image` key's own value.
 */
export function suggestRule(s: Suspect): string {
  const jsonPath = s.path.replace(/\[\d+\]/g, '[*]');
  const lines = [`- kind: ^${quoteMeta(s.kind)}$`, `  imageJSONP: ['${jsonPath.replaceAll("'", "''")}']`];
  const registry = quoteMeta(s.image.slice(0, s.image.indexOf('/') + 1));
  let pattern: string | undefined;
  if (s.span) {
    const before = s.value.slice(0, s.span.offset);
    const option = OPTION_BEFORE.exec(before)?.[1];
    pattern = option ? `${before === option ? '^' : ''}${quoteMeta(option)}(\\S+)` : `(${registry}[^\\s"',;=]+)`;
  } else if (!/\.image$/.test(s.path)) {
    pattern = `^(${registry}\\S+)$`;
  }
  if (pattern) lines.push(`  imageRegexp: '${pattern.replaceAll("'", "''")}'`);
  return lines.map((line) => `    ${line}`).join('\n');
}

/** The one message a run gives about its suspects. */
export function formatSuspects(suspects: readonly Suspect[]): string {
  const n = suspects.length;
  const places = suspects.slice(0, LISTED).map((s) => `  ${describe(s)}`);
  if (n > LISTED) places.push(`  and ${n - LISTED} more (-list-images shows them all)`);
  return [
    `${n} image reference${n === 1 ? '' : 's'} outside image fields (suspect${n === 1 ? '' : 's'}) will not be checked, copied or rewritten:`,
    ...places,
    'To make one an image, cover it with a -rules-config rule (imageRegexp captures the image inside a string), e.g.:',
    suggestRule(suspects[0]!),
    'examples/rules/ has rules for common operators. -suspects=ignore silences this warning; -suspects=fail makes it an error.',
  ].join('\n');
}

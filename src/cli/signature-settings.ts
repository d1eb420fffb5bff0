/** Checks the signature and referrer flags; reads the public keys at start-up, before any input. */
import { UsageError } from '../errors.js';
import { goRegExp } from '../regexp.js';
import type { SignatureSettings } from '../signatures/gate.js';
import { loadVerificationKeys } from '../signatures/keys.js';
import type { ParsedFlags } from './flags.js';
import type { FLAGS } from './options.js';

export async function signatureSettingsFromFlags(parsed: ParsedFlags<typeof FLAGS>): Promise<SignatureSettings> {
  const v = parsed.values;
  const keys = await loadVerificationKeys(v['verify-signature-key']);
  if (v['verify-signature-ignore-images'] && keys.length === 0) throw new UsageError('-verify-signature-ignore-images needs -verify-signature-key');
  if (v['copy-referrers-artifact-type'].length > 0 && !v['copy-referrers']) throw new UsageError('-copy-referrers-artifact-type needs -copy-referrers');
  if (v['show-referrers'] && (!v['list-images'] || v.output !== 'json')) throw new UsageError('-show-referrers is an option of -list-images -output json');
  return {
    keys,
    ...(v['verify-signature-ignore-images'] && { ignore: goRegExp(v['verify-signature-ignore-images'], 'flag -verify-signature-ignore-images') }),
    copyReferrers: v['copy-referrers'],
    artifactTypes: v['copy-referrers-artifact-type'],
  };
}

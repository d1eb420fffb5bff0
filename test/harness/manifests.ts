/** Reading manifest fixtures and summarising what the finder found. */
import { readFileSync } from 'node:fs';
import { findImages, parseImageRules, parseManifestStream, type ImageOccurrence, type InputMode } from '../../src/manifests/index.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/manifests/${name}`, import.meta.url), 'utf8');
}

export function summary(o: ImageOccurrence): string {
  return `${o.doc} ${o.kind} ${o.namespace}/${o.name} ${o.path} ${o.image}`;
}

export function imagesIn(text: string, rulesYaml?: string, input: InputMode = 'k8s', fastScan = true): string[] {
  const stream = parseManifestStream(text, { fastScan });
  return findImages(stream, parseImageRules(rulesYaml, 'rules.yaml', input)).map(summary);
}

/** A pod manifest naming the images, for CLI runs. */
export function podYaml(...images: string[]): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n${images.map((image, i) => `    - name: c${i}\n      image: ${image}\n`).join('')}`;
}

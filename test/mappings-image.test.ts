import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildMappingImage, DOCKER_CONFIG_V1, DOCKER_LAYER_GZIP, mappingJsonFromLayer,
} from '../src/mappings/image.js';
import { tempDir } from './harness/temp-dir.js';

const JSON_TEXT = '{"nginx":{"tag":"r.io/nginx:1","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}}';
const digestOf = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('mapping image', () => {
  it('uses Docker v2 media types and one layer', () => {
    const image = buildMappingImage(JSON_TEXT);
    assert.equal(image.manifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(image.config.mediaType, DOCKER_CONFIG_V1);
    assert.equal(image.layers.length, 1);
    assert.equal(image.layers[0].mediaType, DOCKER_LAYER_GZIP);
  });

  it('holds one entry reimage-mapping.json with mtime 0, as GNU tar sees it', async () => {
    const dir = await tempDir('reimage-img-');
    const layer = join(dir, 'layer.tar.gz');
    writeFileSync(layer, buildMappingImage(JSON_TEXT).layers[0].data);
    const listing = execFileSync('tar', ['--utc', '-tvzf', layer], { encoding: 'utf8' });
    assert.match(listing, /^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 reimage-mapping.json\n$/);
    execFileSync('tar', ['-xzf', layer, '-C', dir]);
    assert.equal(readFileSync(join(dir, 'reimage-mapping.json'), 'utf8'), JSON_TEXT);
  });

  it('gives the same bytes for the same mappings, different for different ones', () => {
    const a = buildMappingImage(JSON_TEXT);
    const b = buildMappingImage(JSON_TEXT);
    assert.equal(digestOf(a.layers[0].data), digestOf(b.layers[0].data));
    assert.equal(digestOf(a.config.data), digestOf(b.config.data));
    assert.notEqual(digestOf(buildMappingImage('{}').layers[0].data), digestOf(a.layers[0].data));
  });

  it('records the uncompressed tar digest as the diff_id', () => {
    const image = buildMappingImage(JSON_TEXT);
    const config = JSON.parse(image.config.data.toString()) as { rootfs: { diff_ids: string[] } };
    const tar = execFileSync('gzip', ['-dc'], { input: image.layers[0].data });
    assert.deepEqual(config.rootfs.diff_ids, [`sha256:${digestOf(tar)}`]);
  });

  it('reads back the JSON, also from a layer written by another tar', async () => {
    assert.equal(mappingJsonFromLayer(buildMappingImage(JSON_TEXT).layers[0].data, 'r.io/m:1'), JSON_TEXT);
    const dir = await tempDir('reimage-img-');
    writeFileSync(join(dir, 'anything.json'), JSON_TEXT);
    const gnu = execFileSync('tar', ['-czf', '-', '-C', dir, 'anything.json']);
    assert.equal(mappingJsonFromLayer(gnu, 'r.io/m:1'), JSON_TEXT);
  });

  it('rejects a layer with several files and no reimage-mapping.json, or that is not gzip/tar', async () => {
    const dir = await tempDir('reimage-img-');
    writeFileSync(join(dir, 'a'), 'x');
    writeFileSync(join(dir, 'b'), 'y');
    const two = execFileSync('tar', ['-czf', '-', '-C', dir, 'a', 'b']);
    assert.throws(() => mappingJsonFromLayer(two, 'r.io/m:1'), /mapping image r.io\/m:1: layer holds 2 files and none is reimage-mapping.json/);
    assert.throws(() => mappingJsonFromLayer(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'r.io/m:1'), /layer is not valid gzip/);
  });
});

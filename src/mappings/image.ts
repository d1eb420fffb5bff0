/**
 * The mappings image: the mappings JSON as a one-layer image, so it can live beside the images it
 * describes. It uses Docker v2 media types, as the Go tool's does, and is deterministic: the
 * layer is a gzip'd tar with the single entry `reimage-mapping.json` (mtime 0, uid/gid 0, no
 * names), so the same mappings always give the same image digest.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { formatBytes } from '../bounded-read.js';
import { ReimageError } from '../errors.js';
import { digestOf } from '../registry/digest.js';
import { DOCKER_MANIFEST } from '../registry/media-types.js';
import { MAPPINGS_SIZE_LIMIT } from './format.js';

const MAPPING_FILE_NAME = 'reimage-mapping.json';
export const DOCKER_CONFIG_V1 = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

class InvalidMappingImageError extends ReimageError {}

interface Blob {
  readonly mediaType: string;
  readonly data: Buffer;
}

/** What to push: a Docker v2 manifest over one config and one layer. */
export interface MappingImage {
  readonly manifestMediaType: string;
  readonly config: Blob;
  readonly layers: readonly [Blob];
}

export function buildMappingImage(json: string): MappingImage {
  const tar = tarOneFile(MAPPING_FILE_NAME, Buffer.from(json));
  // Level 9 and Node's fixed gzip header (mtime 0) keep the bytes stable for the same input.
  const layer = gzipSync(tar, { level: 9 });
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
  };
  return {
    manifestMediaType: DOCKER_MANIFEST,
    config: { mediaType: DOCKER_CONFIG_V1, data: Buffer.from(JSON.stringify(config)) },
    layers: [{ mediaType: DOCKER_LAYER_GZIP, data: layer }],
  };
}

const BLOCK = 512;

/** A POSIX ustar archive holding one regular file. */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, n: number) => field(offset, length, `${n.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, content.length);
  octal(136, 12, 0);
  field(148, 8, ' '.repeat(8));
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  const checksum = header.reduce((sum, b) => sum + b, 0);
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK);
  return Buffer.concat([header, content, padding, Buffer.alloc(2 * BLOCK)]);
}

/**
 * The mappings JSON inside a mapping image's layer (gzip'd or plain tar). Like the Go tool it
 * takes the archive's file; an archive with several files must name one `reimage-mapping.json`.
 */
export function mappingJsonFromLayer(layer: Uint8Array, source: string): string {
  let tar: Buffer = Buffer.from(layer);
  if (tar[0] === 0x1f && tar[1] === 0x8b) {
    try {
      tar = gunzipSync(tar, { maxOutputLength: MAPPINGS_SIZE_LIMIT });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new InvalidMappingImageError(`mapping image ${source}: layer decompresses to more than the ${formatBytes(MAPPINGS_SIZE_LIMIT)} limit`);
      }
      throw new InvalidMappingImageError(`mapping image ${source}: layer is not valid gzip: ${(err as Error).message}`);
    }
  }
  const files = readTar(tar, source);
  const file = files.find((f) => f.name.replace(/^\.\//, '') === MAPPING_FILE_NAME) ?? (files.length === 1 ? files[0] : undefined);
  if (!file) {
    throw new InvalidMappingImageError(
      `mapping image ${source}: layer holds ${files.length} files and none is ${MAPPING_FILE_NAME}; not a reimage mapping image`,
    );
  }
  return file.content.toString('utf8');
}

function readTar(tar: Buffer, source: string): { name: string; content: Buffer }[] {
  const files: { name: string; content: Buffer }[] = [];
  const text = (b: Buffer) => b.toString('utf8').replace(/\0.*$/s, '');
  for (let pos = 0; pos + BLOCK <= tar.length;) {
    const header = tar.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(header.subarray(124, 136)).trim() || '0', 8);
    if (Number.isNaN(size) || pos + BLOCK + size > tar.length) {
      throw new InvalidMappingImageError(`mapping image ${source}: layer is not a valid tar archive`);
    }
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = text(header.subarray(345, 500));
    const name = (prefix ? `${prefix}/` : '') + text(header.subarray(0, 100));
    if (type === '0' || type === '\0') files.push({ name, content: tar.subarray(pos + BLOCK, pos + BLOCK + size) });
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

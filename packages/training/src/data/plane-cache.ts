import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImagePlane } from '../physics/image-plane.js';

/**
 * A disk cache of computed image planes (runs/cache/, gitignored): degrading the training sources takes
 * seconds to a minute, every training or evaluation run needs them. The key hashes everything the
 * planes depend on; the file is JSON metadata followed by float64 data.
 */
export interface CachedPlanes<M> {
  planes: ImagePlane[];
  meta: M;
}

export async function cachedPlanes<M>(
  cacheDir: string | false,
  keyParts: unknown,
  compute: () => CachedPlanes<M>,
): Promise<CachedPlanes<M>> {
  if (cacheDir === false) return compute();
  const key = createHash('sha256').update(JSON.stringify(keyParts)).digest('hex').slice(0, 24);
  const path = join(cacheDir, `planes-${key}.bin`);
  try {
    const bytes = await readFile(path);
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as { meta: M; shapes: [number, number][] };
    let offset = 4 + headerLength;
    const planes = header.shapes.map(([width, height]) => {
      const data = new Float64Array(width * height);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + data.byteLength));
      offset += data.byteLength;
      return { width, height, data };
    });
    if (offset !== bytes.length) throw new Error('cache file size mismatch');
    return { planes, meta: header.meta };
  } catch {
    // Missing or unreadable: recompute below.
  }
  const result = compute();
  const header = Buffer.from(JSON.stringify({ meta: result.meta, shapes: result.planes.map((p) => [p.width, p.height]) }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length, 0);
  await mkdir(cacheDir, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(
    temporary,
    Buffer.concat([length, header, ...result.planes.map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength))]),
  );
  await rename(temporary, path);
  return result;
}

import type { File as H5File } from 'h5wasm';

export type H5wasm = typeof import('h5wasm').default;

let h5wasmModule: Promise<H5wasm> | undefined;

/**
 * h5wasm instantiates its 4 MB WebAssembly module when first imported, so it is imported only when a
 * Keras file is read or written, not by everyone who imports the graph builder.
 */
export function loadH5wasm(): Promise<H5wasm> {
  h5wasmModule ??= import('h5wasm').then(async (module) => {
    await module.default.ready;
    return module.default;
  });
  return h5wasmModule;
}

/** The 8-byte HDF5 superblock signature, found at offset 0 or after a user block of 512·2^k bytes. */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let offset = 0; offset + HDF5_SIGNATURE.length <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
    if (HDF5_SIGNATURE.every((byte, i) => bytes[offset + i] === byte)) return true;
  }
  return false;
}

let fileCounter = 0;

/** A path in h5wasm's in-memory file system that no other conversion running at the same time uses. */
function scratchPath(): string {
  fileCounter += 1;
  return `/enhance-keras-${Date.now().toString(36)}-${fileCounter}.h5`;
}

/**
 * Opens HDF5 bytes read-only through h5wasm's in-memory file system (the same code path in Node and the
 * browser: no host file system, no fetch) and always removes the scratch file afterwards.
 * Returns null from `open` failures so callers can raise their own error naming their file.
 */
export async function withHdf5Bytes<T>(bytes: Uint8Array, read: (file: H5File | null, h5wasm: H5wasm) => T): Promise<T> {
  const h5wasm = await loadH5wasm();
  const { FS } = await h5wasm.ready;
  const path = scratchPath();
  FS.writeFile(path, bytes);
  let file: H5File | null = null;
  try {
    file = new h5wasm.File(path, 'r');
    if (file.file_id < 0n) file = null;
    return read(file, h5wasm);
  } finally {
    file?.close();
    FS.unlink(path);
  }
}

/** Creates an HDF5 file in memory, lets `write` fill it, and returns its bytes. */
export async function createHdf5Bytes(write: (file: H5File) => void): Promise<Uint8Array> {
  const h5wasm = await loadH5wasm();
  const { FS } = await h5wasm.ready;
  const path = scratchPath();
  const file = new h5wasm.File(path, 'w');
  let closed = false;
  try {
    write(file);
    file.close();
    closed = true;
    return FS.readFile(path);
  } finally {
    if (!closed) file.close();
    FS.unlink(path);
  }
}

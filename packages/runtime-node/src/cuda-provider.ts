import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * onnxruntime-node's CUDA execution provider is an optional download (its install script fetches it;
 * this workspace's allowScripts denies that, see the README's "GPU (CUDA) opt-in"). When installed, the
 * provider library sits next to the native binding, bin/napi-v6/<platform>/<arch>/.
 */
export function cudaProviderPath(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  const name = platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return join(dirname(entry), '..', 'bin', 'napi-v6', platform, arch, name);
}

let installed: boolean | undefined;

/** Whether the CUDA provider library is installed; checked once per process (installing it needs a restart anyway). */
export function cudaProviderInstalled(): boolean {
  installed ??= existsSync(cudaProviderPath());
  return installed;
}

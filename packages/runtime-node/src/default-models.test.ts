import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { modelsDirectory } from './default-models.js';

describe('modelsDirectory', () => {
  const folders: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  function workspace(): { root: string; packageRoot: string } {
    const root = mkdtempSync(join(tmpdir(), 'enhance-models-'));
    folders.push(root);
    const packageRoot = join(root, 'packages', 'runtime-node');
    mkdirSync(packageRoot, { recursive: true });
    return { root, packageRoot };
  }

  it("uses the repository's models/ in a workspace checkout", () => {
    vi.stubEnv('ENHANCE_MODELS_DIR', '');
    const { root, packageRoot } = workspace();
    expect(modelsDirectory(packageRoot)).toBe(join(root, 'models'));
  });

  it("in the workspace, the repository's models/ wins over a copy a pack left in the package", () => {
    vi.stubEnv('ENHANCE_MODELS_DIR', '');
    const { root, packageRoot } = workspace();
    mkdirSync(join(root, 'models'));
    mkdirSync(join(packageRoot, 'models'));
    expect(modelsDirectory(packageRoot)).toBe(join(root, 'models'));
  });

  it('an installed package uses its own models/, and ENHANCE_MODELS_DIR comes above both', () => {
    vi.stubEnv('ENHANCE_MODELS_DIR', '');
    const root = mkdtempSync(join(tmpdir(), 'enhance-installed-'));
    folders.push(root);
    const packageRoot = join(root, 'node_modules', '@enhance', 'runtime-node');
    mkdirSync(join(packageRoot, 'models'), { recursive: true });
    expect(modelsDirectory(packageRoot)).toBe(join(packageRoot, 'models'));
    vi.stubEnv('ENHANCE_MODELS_DIR', join(root, 'elsewhere'));
    expect(modelsDirectory(packageRoot)).toBe(join(root, 'elsewhere'));
  });
});

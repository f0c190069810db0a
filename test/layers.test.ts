import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLayers, importsOf, sourceFolders, type LayerViolation } from './layer-support/check-layers.js';
import { LAYER_MAP, type LayerMap } from './layer-support/layer-map.js';

// The package structure as a test: each package imports only what its layer allows (the map in
// layer-support/layer-map.ts), never another package's internals, and declares what it imports; and
// docs/architecture.md, the page that explains the structure, quotes that map and names exactly the
// packages and folders there are.

const repoRoot = path.resolve(import.meta.dirname, '..');
const architecture = readFileSync(path.join(repoRoot, 'docs/architecture.md'), 'utf8');
const scratch: string[] = [];
afterAll(() => {
  for (const folder of scratch) rmSync(folder, { recursive: true, force: true });
});

const summary = (violations: readonly LayerViolation[]) => violations.map(({ rule, file, specifier }) => ({ rule, file, specifier }));

/** The fenced block of `lang` that follows `marker` in docs/architecture.md. */
function block(lang: string, marker: string): string {
  const from = architecture.indexOf(marker);
  const match = architecture.slice(from).match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (from < 0 || !match) throw new Error(`docs/architecture.md has no \`\`\`${lang} block after "${marker}"`);
  return match[1];
}

describe('the layers of the workspace', () => {
  it('every package imports only what its layer allows, by name, and declares it', () => {
    expect(checkLayers({ root: repoRoot, map: LAYER_MAP }).map((violation) => violation.message)).toEqual([]);
  });

  it('docs/architecture.md quotes the layer map as it is', () => {
    expect(JSON.parse(block('json', '<!-- layer-map -->'))).toEqual(LAYER_MAP);
  });

  it("docs/architecture.md's diagram draws each package and exactly the shipped imports", () => {
    const diagram = block('mermaid', '<!-- layer-diagram -->');
    const nodes = new Map([...diagram.matchAll(/^\s*(\w+)\["?(@enhance\/[\w-]+)/gm)].map(([, id, name]) => [id, name]));
    expect([...nodes.values()].sort()).toEqual(Object.keys(LAYER_MAP).sort());
    const drawn = [...diagram.matchAll(/^\s*(\w+)\s*-->\s*(\w+)\s*$/gm)]
      .map(([, from, to]) => `${nodes.get(from)} → ${nodes.get(to)}`)
      .sort();
    const shipped = Object.entries(LAYER_MAP).flatMap(([name, layer]) =>
      [...new Set(layer.shipped.map((specifier) => specifier.split('/').slice(0, 2).join('/')))].map((to) => `${name} → ${to}`),
    );
    expect(drawn).toEqual(shipped.sort());
  });

  it('docs/architecture.md names every package and top-level src/ folder, and nothing that is not there', () => {
    const listed = new Map(
      block('text', '<!-- layout -->')
        .split('\n')
        .filter((line) => line.startsWith('packages/'))
        .map((line) => {
          const [folder, ...rest] = line.split(/\s+/);
          return [
            folder.replace(/\/$/, ''),
            rest
              .filter((word) => /^[\w-]+\/$/.test(word))
              .map((word) => word.slice(0, -1))
              .sort(),
          ];
        }),
    );
    expect(listed).toEqual(sourceFolders(repoRoot));
  });
});

describe('the layer check itself', () => {
  /** A two-package workspace: @x/high may import @x/low; `files` are written under the root. */
  function fixture(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(tmpdir(), 'enhance-layers-'));
    scratch.push(root);
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    write(
      'package.json',
      JSON.stringify({ private: true, workspaces: ['packages/low', 'packages/high'], devDependencies: { vitest: '*' } }),
    );
    write('packages/low/package.json', JSON.stringify({ name: '@x/low', exports: { '.': './dist/index.js' } }));
    write(
      'packages/high/package.json',
      JSON.stringify({ name: '@x/high', exports: { '.': './dist/index.js' }, dependencies: { '@x/low': '1' } }),
    );
    write('packages/low/src/index.ts', 'export const low = 1;\n');
    write('packages/high/src/index.ts', "import { low } from '@x/low';\nexport const high = low + 1;\n");
    for (const [file, text] of Object.entries(files)) write(file, text);
    return root;
  }
  const map: LayerMap = { '@x/low': { shipped: [], dev: [] }, '@x/high': { shipped: ['@x/low'], dev: [] } };

  it('passes a workspace that keeps to its layers', () => {
    const root = fixture({
      'packages/low/src/low.test.ts': "import { expect } from 'vitest';\nimport { low } from './index.js';\nexpect(low).toBe(1);\n",
    });
    expect(checkLayers({ root, map })).toEqual([]);
  });

  it('fails on an import the layer forbids, internals by relative path or by subpath, an undeclared package and a test helper in shipped code', () => {
    const root = fixture({
      'packages/low/src/upward.ts': "import { high } from '@x/high';\nexport const upward = high;\n",
      'packages/low/src/reach-in.ts': "export { high } from '../../high/src/index.js';\n",
      'packages/low/src/undeclared.ts': "import pad from 'left-pad';\nexport default pad;\n",
      'packages/low/src/helper.test-helper.ts': 'export const helper = 1;\n',
      'packages/low/src/uses-helper.ts': "import { helper } from './helper.test-helper.js';\nexport const used = helper;\n",
      'packages/high/src/subpath.ts': "export const lazy = () => import('@x/low/src/index.js');\n",
      'test/cross.test.ts': "import { low } from '../packages/low/src/index.js';\nconsole.log(low);\n",
    });
    expect(summary(checkLayers({ root, map }))).toEqual([
      { rule: 'internals', file: 'packages/low/src/reach-in.ts', specifier: '../../high/src/index.js' },
      { rule: 'undeclared', file: 'packages/low/src/undeclared.ts', specifier: 'left-pad' },
      { rule: 'layer', file: 'packages/low/src/upward.ts', specifier: '@x/high' },
      { rule: 'dev-only', file: 'packages/low/src/uses-helper.ts', specifier: './helper.test-helper.js' },
      { rule: 'internals', file: 'packages/high/src/subpath.ts', specifier: '@x/low/src/index.js' },
      { rule: 'internals', file: 'test/cross.test.ts', specifier: '../packages/low/src/index.js' },
    ]);
  });

  it('fails on a map with a cycle and a package.json that lists what its layer forbids', () => {
    const root = fixture({
      'packages/low/package.json': JSON.stringify({
        name: '@x/low',
        exports: { '.': './dist/index.js' },
        dependencies: { '@x/high': '1' },
      }),
    });
    const violations = checkLayers({ root, map: { ...map, '@x/low': { shipped: ['@x/high'], dev: [] } } });
    expect(violations.map((violation) => violation.message)).toContain('the layer map has a cycle: @x/low → @x/high → @x/low');
    expect(summary(checkLayers({ root, map }))).toContainEqual({
      rule: 'manifest',
      file: 'packages/low/package.json',
      specifier: '@x/high',
    });
  });

  it('reads static, type-only, dynamic and require() imports, and says which are dynamic', () => {
    const text = [
      "import type { A } from 'a';",
      "export { b } from 'b';",
      "import 'c';",
      "const d = await import('d');",
      "type E = typeof import('e');",
      "const f = createRequire(import.meta.url)('f');",
      'const g = createRequire(import.meta.url).resolve(`g/bin/${process.arch}`);',
      "// import('not-an-import')",
    ].join('\n');
    expect(importsOf('probe.ts', text)).toEqual([
      { specifier: 'a', dynamic: false },
      { specifier: 'b', dynamic: false },
      { specifier: 'c', dynamic: false },
      { specifier: 'd', dynamic: true },
      { specifier: 'e', dynamic: false },
      { specifier: 'f', dynamic: false },
      { specifier: 'g/bin/', dynamic: false },
    ]);
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import type { LayerMap, PackageLayer } from './layer-map.js';

/** One import (or package.json entry) that breaks a rule; `file` is relative to the repository root. */
export interface LayerViolation {
  readonly rule: 'map' | 'manifest' | 'layer' | 'optional' | 'internals' | 'undeclared' | 'dev-only';
  readonly file: string;
  readonly specifier?: string;
  readonly message: string;
}

interface Manifest {
  name?: string;
  private?: boolean;
  workspaces?: string[];
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Workspace {
  readonly name: string;
  /** Absolute. */
  readonly folder: string;
  readonly manifest: Manifest;
  readonly layer: PackageLayer | undefined;
}

/** One import as written: the specifier, and whether it is a dynamic import() (which may tolerate absence). */
export interface ImportSite {
  readonly specifier: string;
  readonly dynamic: boolean;
}

const SOURCE = /\.(?:[mc]?ts|[mc]?js)$/;
const DEV_FILE = /\.test(?:-helper)?\.[mc]?[jt]s$/;
/** The folders of a package whose imports are checked; what a package ships besides src/ (bin, demo) counts as shipped. */
const CHECKED_FOLDERS = ['src', 'bin', 'scripts', 'demo'];

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

/** The package a bare specifier names: '@scope/name' or 'name', without the subpath. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every import/export-from, dynamic import(), require() and import('x') type of a TypeScript or JavaScript file. */
export function importsOf(file: string, text: string = readFileSync(file, 'utf8')): ImportSite[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const sites: ImportSite[] = [];
  const literal = (node: ts.Node | undefined): string | undefined => {
    if (!node) return undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    // `onnxruntime-node/bin/${platform}/...`: the package is in the head.
    if (ts.isTemplateExpression(node)) return node.head.text;
    return undefined;
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const specifier = literal(node.moduleSpecifier);
      if (specifier !== undefined) sites.push({ specifier, dynamic: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = literal(node.argument.literal);
      if (specifier !== undefined) sites.push({ specifier, dynamic: false });
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const first = literal(node.arguments[0]);
      const isRequire =
        (ts.isIdentifier(callee) && callee.text === 'require') ||
        // createRequire(import.meta.url)('fitsjs')
        (ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire') ||
        // createRequire(...).resolve('x'), import.meta.resolve('x')
        (ts.isPropertyAccessExpression(callee) &&
          callee.name.text === 'resolve' &&
          ((ts.isCallExpression(callee.expression) &&
            ts.isIdentifier(callee.expression.expression) &&
            callee.expression.expression.text === 'createRequire') ||
            ts.isMetaProperty(callee.expression)));
      if (callee.kind === ts.SyntaxKind.ImportKeyword && first !== undefined) sites.push({ specifier: first, dynamic: true });
      else if (isRequire && first !== undefined) sites.push({ specifier: first, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

function sourceFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...sourceFiles(full));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

/** The entry points a workspace package offers: its "exports" keys as specifiers ('.' is the name itself). */
function entryPoints(workspace: Workspace): string[] {
  const keys = Object.keys(workspace.manifest.exports ?? { '.': null });
  return keys.filter((key) => key !== './package.json').map((key) => (key === '.' ? workspace.name : `${workspace.name}/${key.slice(2)}`));
}

/** Package-level edges of the map (shipped and optional), checked for cycles. */
function findCycle(map: LayerMap): string[] | undefined {
  const edges = new Map(
    Object.entries(map).map(([name, layer]) => [name, [...new Set([...layer.shipped, ...(layer.optional ?? [])].map(packageNameOf))]]),
  );
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const walk = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      const cycle = walk(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of edges.keys()) {
    const cycle = walk(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Checks every import of every workspace package (src/, bin/, scripts/, demo/) and of the root's test/
 * folder against `map` and the package.json files under `root`:
 *
 * - a package imports only the workspace entry points its layer allows (shipped code: `shipped`, and
 *   `optional` by dynamic import() only; dev code: those and `dev`), and only entry points that exist;
 * - no relative import leaves its package (another package's internals, or the root's test/);
 * - shipped code never imports a test helper or a dev folder of its own package;
 * - every package imported is declared: "dependencies"/"peerDependencies" for shipped code, also
 *   "devDependencies" (the package's or the root's, which holds the repository's tools) for dev code;
 * - package.json lists only what the map allows, dev folders are left out of "files", and the map
 *   itself names every workspace and has no cycle.
 */
export function checkLayers({ root, map }: { root: string; map: LayerMap }): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const rootManifest = readJson(path.join(root, 'package.json'));
  const workspaces: Workspace[] = (rootManifest.workspaces ?? []).map((folder) => {
    const manifest = readJson(path.join(root, folder, 'package.json'));
    const name = manifest.name ?? folder;
    return { name, folder: path.join(root, folder), manifest, layer: map[name] };
  });
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));

  // The map itself.
  for (const workspace of workspaces) {
    if (!workspace.layer)
      violations.push({
        rule: 'map',
        file: relative(path.join(workspace.folder, 'package.json')),
        message: `${workspace.name} has no entry in the layer map`,
      });
  }
  for (const [name, layer] of Object.entries(map)) {
    if (!byName.has(name))
      violations.push({ rule: 'map', file: 'package.json', message: `the layer map names ${name}, which is not a workspace` });
    for (const specifier of [...layer.shipped, ...(layer.optional ?? []), ...layer.dev]) {
      const target = byName.get(packageNameOf(specifier));
      if (packageNameOf(specifier) === name)
        violations.push({ rule: 'map', file: 'package.json', specifier, message: `${name} lists itself` });
      else if (target && !entryPoints(target).includes(specifier)) {
        violations.push({
          rule: 'map',
          file: 'package.json',
          specifier,
          message: `${name} may import ${specifier}, which ${target.name} does not export (it exports ${entryPoints(target).join(', ')})`,
        });
      }
    }
  }
  const cycle = findCycle(map);
  if (cycle) violations.push({ rule: 'map', file: 'package.json', message: `the layer map has a cycle: ${cycle.join(' → ')}` });

  // The package.json files.
  for (const { name, folder, manifest, layer } of workspaces) {
    if (!layer) continue;
    const file = relative(path.join(folder, 'package.json'));
    const packagesOf = (list: readonly string[] = []) => new Set(list.map(packageNameOf));
    const allowed = {
      dependencies: packagesOf(layer.shipped),
      peerDependencies: packagesOf([...layer.shipped, ...(layer.optional ?? [])]),
      devDependencies: packagesOf([...layer.shipped, ...(layer.optional ?? []), ...layer.dev]),
    };
    for (const field of ['dependencies', 'peerDependencies', 'devDependencies'] as const) {
      for (const dependency of Object.keys(manifest[field] ?? {})) {
        const target = byName.get(dependency);
        if (!target) continue;
        if (!allowed[field].has(dependency)) {
          violations.push({
            rule: 'manifest',
            file,
            specifier: dependency,
            message: `${name} lists ${dependency} in "${field}", which its layer does not allow`,
          });
        } else if (target.manifest.private && !manifest.private && field !== 'devDependencies') {
          violations.push({
            rule: 'manifest',
            file,
            specifier: dependency,
            message: `${name} is published but lists the private ${dependency} in "${field}"`,
          });
        }
      }
    }
    for (const optional of packagesOf(layer.optional)) {
      if (!manifest.peerDependencies?.[optional] || manifest.peerDependenciesMeta?.[optional]?.optional !== true) {
        violations.push({
          rule: 'manifest',
          file,
          specifier: optional,
          message: `${name} reaches ${optional} as an optional peer, so it must list it in "peerDependencies" with peerDependenciesMeta optional`,
        });
      }
    }
    for (const devFolder of layer.devFolders ?? []) {
      for (const excluded of [`!${devFolder}`, `!${devFolder.replace(/^src\//, 'dist/')}`]) {
        if (!manifest.private && !(manifest.files ?? []).includes(excluded)) {
          violations.push({ rule: 'manifest', file, message: `${devFolder} is dev code, so "files" must hold "${excluded}"` });
        }
      }
    }
  }

  // The imports.
  const declared = (manifest: Manifest, dev: boolean) =>
    new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...(dev ? [...Object.keys(manifest.devDependencies ?? {}), ...Object.keys(rootManifest.devDependencies ?? {})] : []),
    ]);
  const isDevFile = (workspace: Workspace, file: string) => {
    const inPackage = relative(file).slice(relative(workspace.folder).length + 1);
    return (
      DEV_FILE.test(file) ||
      inPackage.startsWith('scripts/') ||
      (workspace.layer?.devFolders ?? []).some((folder) => inPackage.startsWith(`${folder}/`))
    );
  };
  const workspaceOf = (file: string) => workspaces.find((workspace) => file.startsWith(workspace.folder + path.sep));

  for (const workspace of workspaces) {
    const layer = workspace.layer;
    if (!layer) continue;
    for (const file of CHECKED_FOLDERS.flatMap((folder) => sourceFiles(path.join(workspace.folder, folder)))) {
      const dev = isDevFile(workspace, file);
      const where = relative(file);
      const kind = dev ? 'dev code' : 'shipped code';
      for (const { specifier, dynamic } of importsOf(file)) {
        if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier);
          const owner = workspaceOf(target);
          if (owner !== workspace) {
            const into = owner ? `${owner.name}'s internals` : `${relative(target)}, outside ${workspace.name}`;
            violations.push({
              rule: 'internals',
              file: where,
              specifier,
              message: `${where} imports ${into} by relative path ('${specifier}'); import a package by its name`,
            });
          } else if (!dev && isDevFile(workspace, target)) {
            violations.push({
              rule: 'dev-only',
              file: where,
              specifier,
              message: `${where} is shipped but imports dev code ('${specifier}')`,
            });
          }
          continue;
        }
        if (specifier.startsWith('/') || isBuiltin(specifier)) continue;
        const name = packageNameOf(specifier);
        const target = byName.get(name);
        if (target) {
          if (target === workspace) {
            violations.push({
              rule: 'internals',
              file: where,
              specifier,
              message: `${where} imports its own package by name ('${specifier}'); use a relative path`,
            });
            continue;
          }
          if (!entryPoints(target).includes(specifier)) {
            violations.push({
              rule: 'internals',
              file: where,
              specifier,
              message: `${where} imports '${specifier}', which ${name} does not export (it exports ${entryPoints(target).join(', ')})`,
            });
            continue;
          }
          const optional = (layer.optional ?? []).includes(specifier);
          const allowed = dev ? [...layer.shipped, ...(layer.optional ?? []), ...layer.dev] : [...layer.shipped, ...(layer.optional ?? [])];
          if (!allowed.includes(specifier)) {
            violations.push({
              rule: 'layer',
              file: where,
              specifier,
              message: `${where} imports '${specifier}', which ${workspace.name}'s ${kind} may not (allowed: ${allowed.join(', ') || 'no workspace package'})`,
            });
            continue;
          }
          if (optional && !dev && !dynamic && !layer.shipped.includes(specifier)) {
            violations.push({
              rule: 'optional',
              file: where,
              specifier,
              message: `${where} imports the optional '${specifier}' statically; only a dynamic import() that tolerates its absence may reach it`,
            });
            continue;
          }
        }
        if (!declared(workspace.manifest, dev).has(name)) {
          const fields = dev
            ? '"dependencies", "devDependencies" or "peerDependencies" (or the root\'s "devDependencies")'
            : '"dependencies" or "peerDependencies"';
          violations.push({
            rule: 'undeclared',
            file: where,
            specifier,
            message: `${where} (${kind}) imports '${specifier}', which ${workspace.name}'s package.json does not list in ${fields}`,
          });
        }
      }
    }
  }

  // The root's cross-package tests may import any workspace package, by name and entry point only; a
  // package's scripts (scripts/, bin/) are programs, which the tests may load by path as npm runs them.
  for (const file of sourceFiles(path.join(root, 'test'))) {
    const where = relative(file);
    for (const { specifier } of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier);
        const owner = workspaceOf(target);
        const program = owner && /^(scripts|bin)\//.test(path.relative(owner.folder, target).split(path.sep).join('/'));
        if (owner && !program)
          violations.push({
            rule: 'internals',
            file: where,
            specifier,
            message: `${where} imports ${owner.name}'s internals by relative path ('${specifier}'); import the package by its name`,
          });
        continue;
      }
      const target = byName.get(packageNameOf(specifier));
      if (target && !entryPoints(target).includes(specifier)) {
        violations.push({
          rule: 'internals',
          file: where,
          specifier,
          message: `${where} imports '${specifier}', which ${target.name} does not export (it exports ${entryPoints(target).join(', ')})`,
        });
      }
    }
  }
  return violations;
}

/** The top-level folders of each workspace package's src/, by package name: what docs/architecture.md must list. */
export function sourceFolders(root: string): Map<string, string[]> {
  const rootManifest = readJson(path.join(root, 'package.json'));
  return new Map(
    (rootManifest.workspaces ?? []).map((folder) => {
      const src = path.join(root, folder, 'src');
      const folders = readdirSync(src)
        .filter((entry) => statSync(path.join(src, entry)).isDirectory())
        .sort();
      return [folder, folders];
    }),
  );
}

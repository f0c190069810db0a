// @ts-check
// Runs before `npm pack`/`npm publish`: an installed @enhance/runtime-node carries the trained models
// in its own models/ folder, where modelsDirectory() looks for them. (In the workspace it reads the
// repository's models/ instead, so this copy never shadows newer models.)
//
// A pack may run while other processes read the folder (the consumer install test packs during
// `npm test`), so no reader ever sees a half-written folder or file: a new folder is filled beside it
// and renamed into place, and an existing one gets each changed file by rename.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../models/', import.meta.url));
const target = fileURLToPath(new URL('../models/', import.meta.url));
const copied = readdirSync(source).filter((name) => name.endsWith('.onnx') || name === 'MODEL_CARD.md' || name === 'qa-reference.json');
/**
 * @param {string} a
 * @param {string} b
 */
const sameBytes = (a, b) => existsSync(b) && readFileSync(a).equals(readFileSync(b));

if (!existsSync(target)) {
  const staging = target.replace(/\/$/, `.staging-${process.pid}/`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const name of copied) copyFileSync(source + name, staging + name);
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another pack created it meanwhile: fall through to the per-file update below.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}
for (const name of copied) {
  if (sameBytes(source + name, target + name)) continue;
  const staging = `${target}.${name}.${process.pid}.tmp`;
  copyFileSync(source + name, staging);
  renameSync(staging, target + name);
}
// A model removed from the repository's models/ must not linger in the package.
for (const name of readdirSync(target)) {
  if ((name.endsWith('.onnx') || name.endsWith('.json')) && !copied.includes(name)) rmSync(target + name, { force: true });
}
console.log(`copied ${copied.length} files from ${source} to ${target}`);

// Runs before `npm pack`/`npm publish`: an installed @enhance/runtime-node carries the trained models
// in its own models/ folder, where modelsDirectory() looks first.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../models/', import.meta.url));
const target = fileURLToPath(new URL('../models/', import.meta.url));
mkdirSync(target, { recursive: true });
const copied = readdirSync(source).filter((name) => name.endsWith('.onnx') || name === 'MODEL_CARD.md');
for (const name of copied) copyFileSync(source + name, target + name);
console.log(`copied ${copied.length} files from ${source} to ${target}`);

import { evaluateQuality } from './dist/evaluation/evaluate-quality.js';
import { renderQualitySection } from './dist/evaluation/model-card-quality.js';
import { writeFileSync } from 'node:fs';
const t0 = performance.now();
const q = await evaluateQuality({ sharedDir: '/work/shared', modelsDir: '/tmp/qa-eval/lite-models', threads: 1, kinds: ['intensity'], ttaCounts: [1, 4], log: (l) => console.log(((performance.now() - t0) / 1000).toFixed(0), l) });
writeFileSync('/tmp/qa-eval/lite-quality.json', JSON.stringify(q, null, 2));
writeFileSync('/tmp/qa-eval/lite-card.md', renderQualitySection(q).join('\n'));

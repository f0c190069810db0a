// docs/batch.md's SLURM script and Kubernetes Job, held to what they claim: the sbatch script, run by
// bash with the variables SLURM sets for each task of its array, enhances every file of the list
// exactly once across the tasks; the Job's shard count matches its completions.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from './cli-support/bundle-cli.js';
import { continuumFits } from './cli-support/solar-images.js';

const doc = readFileSync(new URL('../docs/batch.md', import.meta.url), 'utf8');

/** The first fenced block of `lang` after the heading `heading`. */
function block(heading: string, lang: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/batch.md has no "${heading}"`);
  const match = doc.slice(start).match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (!match) throw new Error(`docs/batch.md's "${heading}" has no \`\`\`${lang} block`);
  return match[1];
}

let cli: string;
let folder: string;

beforeAll(async () => {
  cli = await bundleCli('enhance-batch-docs-test');
  folder = mkdtempSync(join(tmpdir(), 'enhance-batch-docs-'));
});

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('docs/batch.md', () => {
  it('the sbatch script, run for each task of its array, covers the list exactly once', () => {
    const script = join(folder, 'enhance-array.sh');
    writeFileSync(script, block('### SLURM job array', 'bash'));
    const tasks = Number(/#SBATCH --array=0-(\d+)/.exec(readFileSync(script, 'utf8'))![1]) + 1;
    expect(tasks).toBe(16);
    mkdirSync(join(folder, 'frames'));
    const inputs = Array.from({ length: 20 }, (_, k) => {
      const path = join(folder, 'frames', `hmi.Ic_45s.2014010${k % 10}_${String(k).padStart(6, '0')}_TAI.fits`);
      writeFileSync(path, continuumFits(24, k));
      return path;
    });
    writeFileSync(join(folder, 'frames.txt'), inputs.map((path) => path.replace(`${folder}/`, '')).join('\n'));
    // The script as documented, so with the installed trained model (small images keep it quick).
    const out = join(folder, 'enhanced');
    for (let task = 0; task < tasks; task++) {
      const run = spawnSync('bash', [script], {
        cwd: folder,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          SLURM_ARRAY_TASK_ID: String(task),
          SLURM_ARRAY_TASK_COUNT: String(tasks),
          SLURM_CPUS_PER_TASK: '1',
          LIST: join(folder, 'frames.txt'),
          OUT: out,
          ENHANCE: `${process.execPath} ${cli}`,
        },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`shard ${task}/${tasks}: \\d+ of ${inputs.length} files`));
    }
    const enhanced = readdirSync(out).filter((name) => name.endsWith('.enhanced.fits'));
    expect(enhanced.sort()).toEqual(inputs.map((path) => path.replace(/^.*\//, '').replace(/\.fits$/, '.enhanced.fits')).sort());
    const manifests = readdirSync(out).filter((name) => name.startsWith('manifest.shard-'));
    expect(manifests.length).toBeGreaterThan(1);
    const done = manifests.flatMap((name) =>
      readFileSync(join(out, name), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"status":"done"')),
    );
    expect(done).toHaveLength(inputs.length);
  });

  it("the indexed Job's --shard count is its completions, and the index comes from JOB_COMPLETION_INDEX", () => {
    const job = block('### Kubernetes indexed Job', 'yaml');
    const completions = Number(/^\s+completions: (\d+)/m.exec(job)![1]);
    expect(job).toMatch(/completionMode: Indexed/);
    expect(job).toContain(`--shard "$JOB_COMPLETION_INDEX/${completions}"`);
    expect(job).toMatch(/restartPolicy: Never/);
  });
});

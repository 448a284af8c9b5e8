// The C fuzz targets (native/fuzz/, docs/fuzzing.md) under libFuzzer with AddressSanitizer
// and UBSan: each replays its committed corpus (seeds and every crash found so far), then
// fuzzes for a bounded number of runs from a fixed seed. `npm run fuzz` runs them for long.
// Skips only where clang cannot link libFuzzer; CI (.ci/run) installs it, and there the
// test must run (CI=true turns the skip into a failure).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without types
import { build, fuzzerArgs, targets, unavailable } from '../../scripts/fuzz.mjs';

const why: string | null = unavailable();
if (why && process.env.CI) throw new Error(`C fuzzing must run in CI: ${why}`);

for (const name of Object.keys(targets)) {
	test(`fuzz_${name}: the corpus replays and ${targets[name].bounded} runs find nothing`, { skip: why ?? false }, () => {
		const bins = build();
		const dir = mkdtempSync(join(tmpdir(), `obsdtui-fuzz-${name}-`));
		try {
			const work = join(dir, 'corpus');
			const crashes = join(dir, 'crashes');
			mkdirSync(work);
			mkdirSync(crashes);
			const r = spawnSync(bins[name], fuzzerArgs(name, work, crashes, [`-runs=${targets[name].bounded}`, '-seed=1']), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
			const found = readdirSync(crashes);
			const report = r.stderr
				.split('\n')
				.filter((l) => /ERROR|SUMMARY|runtime error|fuzz: |Test unit written/.test(l))
				.join('\n');
			assert.deepEqual(found, [], `fuzz_${name} found ${found.join(', ')} (kept in ${crashes}):\n${report}\n${found.map((f) => readFileSync(join(crashes, f)).toString('base64')).join('\n')}`);
			assert.equal(r.status, 0, `fuzz_${name} exited ${r.status}:\n${report || r.stderr.slice(-2000)}`);
			// The run must really have replayed the corpus: libFuzzer says how many inputs it read.
			const corpus = readdirSync(join('native', 'fuzz', 'corpus', name)).length;
			assert.ok(corpus > 0 && new RegExp(`seed corpus: files: ${corpus} `).test(r.stderr), `fuzz_${name} did not read its ${corpus} corpus files:\n${r.stderr.slice(0, 2000)}`);
			assert.match(r.stderr, new RegExp(`Done ${targets[name].bounded} runs`));
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
}

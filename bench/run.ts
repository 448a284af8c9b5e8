// `npm run bench`: every benchmark, each printing ratios against a baseline measured in
// the same run on the same data (these machines are small and noisy: an absolute time
// means little, a ratio measured side by side means more). Not a test: nothing here
// passes or fails on a number.
//
//   npm run bench                 all of them
//   npm run bench -- console scan only those
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = ['start', 'console', 'latency', 'memory', 'scan', 'boot', 'tui', 'devices', 'glass', 'glass-tracker', 'ssh'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;

for (const step of ['scripts/build-native.mjs', 'scripts/bundle.mjs']) {
	const r = spawnSync(process.execPath, [join(here, '..', step)], { stdio: 'inherit' });
	if (r.status !== 0) process.exit(r.status ?? 1);
}

let failed = false;
for (const name of wanted) {
	const file = ['ts', 'mjs'].map((ext) => join(here, `${name}.${ext}`)).find(existsSync);
	if (!file) {
		console.log(`\n== ${name}: no benchmark file (bench/${name}.ts)`);
		continue;
	}
	console.log(`\n== ${name} (${file.slice(here.length + 1)})`);
	const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', env: { ...process.env, CI: 'false' } });
	if (r.status !== 0) {
		console.log(`   ${name}: exited ${r.status}`);
		failed = true;
	}
}
process.exit(failed ? 1 : 0);

// `npm test`: build what the tests need (native helper, bundle), then run every test
// file with node:test. Arguments narrow the run: `npm test -- test/unit/spec.test.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

for (const step of ['scripts/build-native.mjs', 'scripts/bundle.mjs']) {
	const r = spawnSync(process.execPath, [step], { stdio: 'inherit' });
	if (r.status !== 0) process.exit(r.status ?? 1);
}

// Arguments may be files or directories (`npm test -- test/unit`).
const args = process.argv.slice(2).flatMap((a) =>
	existsSync(a) && statSync(a).isDirectory() ? globSync(`${a.replace(/\/+$/, '')}/**/*.test.{ts,tsx}`).sort() : [a],
);
const files = args.length ? args : globSync('test/**/*.test.{ts,tsx}').sort();
// One file at a time: the QEMU tests each boot a guest on a 2-core machine.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
	stdio: 'inherit',
	env: { ...process.env, FORCE_COLOR: '0' },
});
process.exit(r.status ?? 1);

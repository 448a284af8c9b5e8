// `npm test`: type-check and lint, build what the tests need (native helper, bundle), then
// run every test file with node:test. Arguments narrow the run: `npm test -- test/unit/spec.test.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reexecIfTooOld } from './node-runtime.mjs';

// On Node < 22, the whole run (and every `node` a test starts) uses the cached newer Node.
await reexecIfTooOld({ addToPath: true });
// Node 22's; imported only now so that Node 20 gets as far as the line above.
const { globSync } = await import('node:fs');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

// A type error or a lint error stops the run before anything is built or booted. (The
// formatter and lint warnings are for `npm run lint`, which CI runs.)
const steps = [
	['type-check', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
	['lint', ['node_modules/@biomejs/biome/bin/biome', 'lint', '--no-errors-on-unmatched']],
	['native helper', ['scripts/build-native.mjs']],
	['bundle', ['scripts/bundle.mjs']],
];
for (const [what, argv] of steps) {
	const r = spawnSync(process.execPath, argv, { stdio: 'inherit' });
	if (r.status !== 0) {
		process.stderr.write(`npm test: ${what} failed (${argv.join(' ')})\n`);
		process.exit(r.status ?? 1);
	}
}

// Arguments may be files or directories (`npm test -- test/unit`).
const args = process.argv.slice(2).flatMap((a) => (existsSync(a) && statSync(a).isDirectory() ? globSync(`${a.replace(/\/+$/, '')}/**/*.test.{ts,tsx}`).sort() : [a]));
const files = args.length ? args : globSync('test/**/*.test.{ts,tsx}').sort();
// One file at a time: the QEMU tests each boot a guest on a 2-core machine.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
	stdio: 'inherit',
	env: { ...process.env, FORCE_COLOR: '0' },
});
process.exit(r.status ?? 1);

// `obsdtui --version` and `-V`: the program's name and package.json's version on stdout,
// exit 0, at the top level and after a command (as git and tmux answer it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, Sandbox } from '../helpers/cli.ts';

const box = new Sandbox('ov');
after(() => box.cleanup());
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

for (const args of [['--version'], ['-V'], ['ls', '--version']]) {
	test(`obsdtui ${args.join(' ')} prints "obsdtui ${version}" and exits 0`, async () => {
		const r = await box.run(args);
		assert.equal(r.stdout, `obsdtui ${version}\n`);
		assert.equal(r.stderr, '');
		assert.equal(r.code, 0);
	});
}

test('the version is listed in the top-level --help', async () => {
	const r = await box.run(['--help']);
	assert.equal(r.code, 0);
	assert.match(r.stdout, /^ {2}-V, --version +Print the version and exit/m);
});

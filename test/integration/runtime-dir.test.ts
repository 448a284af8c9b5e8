// The daemon's socket directory must be ours and private (0700): anyone who can reach
// the socket owns every console, and a console is root on the guest.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, chmodSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/cli.ts';

const box = new Sandbox('otr');
after(() => box.cleanup());

test('a group- or world-accessible runtime dir is refused with a one-line fix; a new one is made 0700', async () => {
	const run = join(box.dir, 'run');
	mkdirSync(run, { mode: 0o755 });
	chmodSync(run, 0o755);
	const r = await box.run(['ls']);
	assert.equal(r.code, 1);
	assert.equal(r.stderr, `obsdtui: ${run} has mode 755; it must be 0700 (run: chmod 700 ${run})\n`);
	assert.equal(existsSync(join(run, 'daemon.sock')), false, 'no daemon was started there');

	chmodSync(run, 0o700);
	await box.ok(['ls']);
	assert.equal(statSync(join(run, 'daemon.sock')).mode & 0o777, 0o600);
});

test('a runtime dir owned by someone else is refused', { skip: process.getuid?.() !== 0 ? 'needs root to chown' : false }, async () => {
	const other = new Sandbox('otr2');
	try {
		const run = join(other.dir, 'run');
		mkdirSync(run, { mode: 0o700 });
		const { chownSync } = await import('node:fs');
		chownSync(run, 65534, 65534);
		const r = await other.run(['ls']);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^obsdtui: .*run is owned by uid 65534, not by us \(uid 0\); refusing to use it\n$/);
	} finally {
		other.cleanup();
	}
});

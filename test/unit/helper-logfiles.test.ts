import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootIndexPath, bootLogPath, listBoots, nextBoot, readIndex, readLogRange } from '../../src/helper/logfiles.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-logfiles-'));
	t.after(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

test('boot file names are zero-padded to three digits', () => {
	assert.equal(bootLogPath('/v', 1), '/v/boot.001.log');
	assert.equal(bootIndexPath('/v', 42), '/v/boot.042.idx');
	assert.equal(bootLogPath('/v', 1234), '/v/boot.1234.log');
});

test('boots are listed in numeric order and the next one follows the last', (t) => {
	const dir = tmp(t);
	assert.deepEqual(listBoots(dir), []);
	assert.equal(nextBoot(dir), 1);
	for (const f of ['boot.002.log', 'boot.010.log', 'boot.001.log', 'boot.003.idx', 'helper.err', 'boot.1000.log']) writeFileSync(join(dir, f), '');
	assert.deepEqual(listBoots(dir), [1, 2, 10, 1000]);
	assert.equal(nextBoot(dir), 1001);
	assert.deepEqual(listBoots(join(dir, 'missing')), []);
});

test('index records of the three kinds; a torn last line is not a record yet', (t) => {
	const dir = tmp(t);
	const idx = join(dir, 'boot.001.idx');
	writeFileSync(idx, [
		'e 0 1700000000000 {"event":"started","source":"qemu","child_pid":77}',
		't 0 1700000000005',
		'a 120 1700000000100 alice attached with take-over',
		'a 130 1700000000200 ',
		'garbage line',
		'e 200 1700000000300 {"event":"exited","status":0,"signal":null,"log_size":200}',
		't 200 17000',
	].join('\n'));
	assert.deepEqual(readIndex(idx), [
		{ kind: 'e', offset: 0, ms: 1700000000000, json: { event: 'started', source: 'qemu', child_pid: 77 } },
		{ kind: 't', offset: 0, ms: 1700000000005 },
		{ kind: 'a', offset: 120, ms: 1700000000100, text: 'alice attached with take-over' },
		{ kind: 'a', offset: 130, ms: 1700000000200, text: '' },
		{ kind: 'e', offset: 200, ms: 1700000000300, json: { event: 'exited', status: 0, signal: null, log_size: 200 } },
	]);
});

test('log ranges are clamped to the file', (t) => {
	const dir = tmp(t);
	const log = join(dir, 'boot.001.log');
	writeFileSync(log, 'OpenBSD 7.6 (GENERIC.MP)\r\n');
	assert.equal(readLogRange(log, 0, 7).toString(), 'OpenBSD');
	assert.equal(readLogRange(log, 8, 1000).toString(), '7.6 (GENERIC.MP)\r\n');
	assert.equal(readLogRange(log, 500, 1000).length, 0);
});

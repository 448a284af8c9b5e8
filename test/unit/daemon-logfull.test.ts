// The daemon's side of a full console log (helper -L): output frames past the log's end
// are taken as they come, and the screen is rebuilt without the log. The Vm is driven
// through its helper callbacks directly, with a log file and no helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/common/spec.ts';
import { bootIndexPath, bootLogPath } from '../../src/helper/logfiles.ts';
import { Vm } from '../../src/daemon/vm.ts';
import type { HelperConnection } from '../../src/helper/connection.ts';

const CAP = 1000;

function fullVm(t: { after: (fn: () => void) => void }, index = ''): Vm {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-logfull-'));
	// The log holds the first CAP bytes: lines "logged-N".
	let text = '';
	for (let i = 0; text.length < CAP; i++) text += `logged-${i}\r\n`;
	writeFileSync(bootLogPath(dir, 1), text.slice(0, CAP));
	writeFileSync(bootIndexPath(dir, 1), index);
	const vm = new Vm(dir, parseSpec({ command: 'cat' }, 'lf'), 1);
	t.after(() => {
		vm.dispose();
		rmSync(dir, { recursive: true, force: true });
	});
	return vm;
}

const ALERT = 'console log full at 1000 bytes: output is no longer logged';

test('past a full log, frames are taken as they come; gaps before the cap are read from the log', (t) => {
	const vm = fullVm(t);
	vm['onOutput'](0, Buffer.from('logged-0\r\n'));
	vm['onHelperEvent']({ event: 'log_full', max: CAP });
	assert.deepEqual(vm.info().alerts, [ALERT]);
	// The helper dropped bytes 10..5000 for us: up to the cap they are in the log.
	vm['onOutput'](5000, Buffer.from('unlogged-a\r\n'));
	assert.equal(vm.consumed, 5012);
	assert.match(vm.text.since(0), /logged-0\nlogged-1\n/);
	assert.match(vm.text.since(0), /unlogged-a\n$/);
	vm['onOutput'](5012, Buffer.from('unlogged-b\r\n'));
	assert.equal(vm.consumed, 5024);
	assert.match(vm.text.since(0), /unlogged-a\nunlogged-b\n$/);
	// A quiet console: the log is not "ahead" of what was seen, nothing is caught up twice.
	vm.helper = { close() {} } as HelperConnection;
	const before = vm.text.mark();
	vm.tick(Date.now() + 10_000);
	vm.tick(Date.now() + 20_000);
	assert.equal(vm.consumed, 5024);
	assert.equal(vm.text.since(before), '');
});

test('a screen rebuilt past the cap shows the output that was never logged', async (t) => {
	const vm = fullVm(t);
	vm['onHelperEvent']({ event: 'log_full', max: CAP });
	vm['onOutput'](CAP, Buffer.from('\x1b[2J\x1b[Hafter the cap\r\n'));
	await vm.screen.flush();
	vm.screen.stale = true;
	vm.tick(Date.now());
	await vm.screen.flush();
	assert.equal(vm.screen.stale, false);
	assert.equal(vm.screen.lines()[0], 'after the cap');
});

test('a finished boot whose index has log_full keeps the alert', (t) => {
	const vm = fullVm(t, `e 0 1700000000000 {"event":"started","source":"exec","child_pid":5}\ne 1000 1700000000100 {"event":"log_full","max":1000}\n`);
	vm.loadFinished();
	assert.equal(vm.logFull, CAP);
	assert.ok(vm.info().alerts.includes(ALERT));
	assert.equal(vm.consumed, CAP);
});

test('a log that is not full has no such alert', (t) => {
	const vm = fullVm(t);
	vm.loadFinished();
	assert.equal(vm.logFull, null);
	assert.deepEqual(vm.info().alerts.filter((a) => a.includes('log full')), []);
});

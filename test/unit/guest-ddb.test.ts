// DdbCollector as a pure state machine: bytes in, commands out, with made-up times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DdbCollector } from '../../src/guest/index.ts';

const b = (s: string) => Buffer.from(s);

test('never types unless the last line is a ddb prompt', () => {
	const c = new DdbCollector();
	assert.equal(c.next(0), null, 'nothing seen yet');
	c.push(b('panic: boom\nStopped at      db_enter+0x18:  addq    $0x8,%rsp\n'));
	assert.equal(c.next(0), null);
	c.push(b('ddb> show panic\nboom\n'));
	assert.equal(c.next(0), null, 'a prompt earlier in the output is not the last line');
	c.push(b('login: '));
	assert.equal(c.next(0), null);
	c.push(b('\nddb> '));
	assert.equal(c.atPrompt(), true);
	assert.equal(c.promptCpu(), null);
	assert.equal(c.next(0), 'set $lines = 0');
	assert.equal(c.next(1), null, 'one command at a time: wait for its prompt');
});

test('a uniprocessor kernel gets no machine ddbcpu commands', () => {
	const c = new DdbCollector();
	c.push(b('ddb> '));
	const typed: string[] = [];
	for (let i = 0; i < 20 && !c.done; i++) {
		const cmd = c.next(i);
		if (cmd === null) break;
		typed.push(cmd);
		c.push(b(`${cmd}\r\nsome output\r\nddb> `));
	}
	assert.deepEqual(typed, ['set $lines = 0', 'set $maxwidth = 0', 'show panic', 'trace', 'show registers', 'ps']);
	assert.equal(c.done, true);
	assert.deepEqual(
		c.result().steps.map((s) => s.output),
		Array(6).fill('some output'),
	);
});

test('CPUs come from the dmesg count, show panic and the prompt', () => {
	const c = new DdbCollector({ ncpu: 4 });
	c.push(b('ddb{2}> '));
	const typed: string[] = [];
	for (let i = 0; i < 30 && !c.done; i++) {
		const cmd = c.next(i);
		if (cmd === null) break;
		typed.push(cmd);
		const m = /^machine ddbcpu (\d+)$/.exec(cmd);
		c.push(b(`${cmd}\r\n${cmd === 'show panic' ? ' cpu5: other\r\n*cpu2: boom\r\n' : ''}ddb{${m ? m[1] : lastCpu(typed)}}> `));
	}
	assert.deepEqual(typed.slice(6), [
		'machine ddbcpu 0',
		'trace',
		'machine ddbcpu 1',
		'trace',
		'machine ddbcpu 3',
		'trace',
		'machine ddbcpu 5',
		'trace',
		'machine ddbcpu 2',
	]);
	assert.deepEqual(c.result().cpus, [0, 1, 2, 3, 5]);
});

function lastCpu(typed: string[]): string {
	for (let i = typed.length - 1; i >= 0; i--) {
		const m = /^machine ddbcpu (\d+)$/.exec(typed[i]);
		if (m) return m[1];
	}
	return '2';
}

test('a command that never gets its prompt back times out and stops the collection', () => {
	const c = new DdbCollector({ timeoutMs: 1000 });
	c.push(b('ddb> '));
	assert.equal(c.next(0), 'set $lines = 0');
	c.push(b('set $lines = 0\r\npartial out'));
	c.tick(999);
	assert.equal(c.done, false);
	c.tick(1000);
	assert.equal(c.done, false, 'the prompt gets one more time limit');
	c.tick(1999);
	assert.equal(c.done, false);
	c.tick(2000);
	assert.equal(c.done, true);
	const r = c.result();
	assert.equal(r.steps[0].timedOut, true);
	assert.equal(r.steps[0].output, 'partial out');
	assert.match(r.error!, /no ddb prompt 2s after 'set \$lines = 0'/);
	assert.equal(c.next(3000), null);
});

test('a time-out with the prompt back carries on', () => {
	const c = new DdbCollector({ timeoutMs: 1000 });
	c.push(b('ddb> '));
	c.next(0);
	c.tick(1000);
	c.push(b('\r\nddb> '));
	assert.equal(c.done, false);
	assert.equal(c.next(1001), 'set $maxwidth = 0');
});

// DdbCollector against the scripted ddb stand-in (test/fixtures/ddb-standin.mjs) run as a
// real child process: the collector decides what to type, the stand-in answers with the
// outputs recorded in the uvm_fault ddb-session fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DdbCollector, sendbugReport, type DdbEvidence } from '../../src/guest/index.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const SESSION = join(FIX, 'openbsd', 'amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt');

/** Lines first..last of the recorded session (1-based, as `cat -n` shows them). */
function recorded(first: number, last: number): string {
	return readFileSync(SESSION, 'latin1').split('\n').slice(first - 1, last).join('\n');
}

function collect(args: string[] = []): Promise<{ ev: DdbEvidence; console: Buffer; typed: string[] }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [join(FIX, 'ddb-standin.mjs'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
		const c = new DdbCollector({ timeoutMs: 20_000 });
		const chunks: Buffer[] = [];
		const typed: string[] = [];
		const step = () => {
			c.tick(Date.now());
			const cmd = c.next(Date.now());
			if (cmd !== null) {
				typed.push(cmd);
				child.stdin.write(cmd + '\r');
			}
			if (c.done) {
				clearInterval(timer);
				child.stdin.write('boot reboot\r');
				child.stdin.end();
			}
		};
		const timer = setInterval(step, 50);
		child.stdout.on('data', (d: Buffer) => {
			chunks.push(d);
			c.push(d);
			step();
		});
		child.on('error', reject);
		child.on('exit', () => {
			clearInterval(timer);
			resolve({ ev: c.result(), console: Buffer.concat(chunks), typed });
		});
	});
}

test('the collector drives the stand-in through the whole ddb.html list', { timeout: 60_000 }, async () => {
	const { ev, typed } = await collect();
	assert.deepEqual(typed, [
		'set $lines = 0',
		'set $maxwidth = 0',
		'show panic',
		'trace',
		'show registers',
		'ps',
		// ps shows idle0 and idle1: two CPUs; ddb stopped on cpu1, so cpu0 gets its own trace.
		'machine ddbcpu 0',
		'trace',
		'machine ddbcpu 1',
	]);
	assert.deepEqual(ev.cpus, [0, 1]);
	assert.equal(ev.error, undefined);
	const out = Object.fromEntries(ev.steps.slice(0, 6).map((s) => [s.command, s.output.replaceAll('\r', '')]));
	assert.equal(out['set $lines = 0'], '');
	assert.equal(out['show panic'], recorded(8, 11));
	assert.equal(out['trace'], recorded(13, 24));
	assert.equal(out['show registers'], recorded(26, 46));
	assert.equal(out['ps'], recorded(56, 99));
	assert.deepEqual(
		ev.steps.map((s) => s.cpu),
		[1, 1, 1, 1, 1, 1, 1, 0, 0],
	);
	assert.ok(ev.steps.every((s) => !s.timedOut));
	assert.equal(ev.steps[7].output, '(ddb stand-in: no trace was recorded for cpu0)');
});

test('slow output still ends at the next prompt, not at a pause', { timeout: 60_000 }, async () => {
	const { ev } = await collect(['--delay', '2']);
	assert.equal(ev.steps.find((s) => s.command === 'trace')!.output.replaceAll('\r', ''), recorded(13, 24));
});

test('the report carries every section, with the collected evidence', { timeout: 60_000 }, async () => {
	const { ev, console } = await collect();
	const r = sendbugReport({ log: console, ddb: ev, vm: { name: 'dd', backend: 'exec' } });
	for (const section of ['>Synopsis:\tuvm_fault: rtable_satoplen', '>Category:\tkernel', '>Environment:', '>Description:', '>How-To-Repeat:', '>Fix:', '\ndmesg:\n', '\nddb:\n', '\nconsole (lines ']) {
		assert.ok(r.includes(section), section);
	}
	for (const cmd of ['ddb{1}> show panic\n', 'ddb{1}> trace\n', 'ddb{1}> show registers\n', 'ddb{1}> ps\n', 'ddb{1}> machine ddbcpu 0\n', 'ddb{0}> trace\n']) {
		assert.ok(r.includes(cmd), cmd);
	}
	assert.ok(r.includes(recorded(13, 24)), 'the trace, verbatim');
});

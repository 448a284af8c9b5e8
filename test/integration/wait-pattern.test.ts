// Issue 12, item 7: a `wait --for` pattern that backtracks catastrophically, (a+)+$
// against a long run of "a" that does not end the output, must not freeze the daemon.
// It is matched in a worker with a time budget: while it runs, another console's
// output, `send` and `wait` work; then it fails with a one-line error. The budget is
// raised for this test (OBSDTUI_TEST_HOOKS=1) so that the other console's commands
// surely run while the bad match is still going.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Sandbox } from '../helpers/cli.ts';
import { encodeJson, FrameDecoder, parseJsonPayload } from '../../src/common/frame.ts';

const BUDGET_S = 15;
const box = new Sandbox('otwp');
box.env.OBSDTUI_TEST_HOOKS = '1';
box.env.OBSDTUI_TEST_MATCH_BUDGET_MS = String(BUDGET_S * 1000);
after(() => box.cleanup());

const request = (msg: Record<string, unknown>) => box.request(msg);

test('a catastrophic pattern fails its own wait with a clear error; other consoles carry on meanwhile', async () => {
	// 5000 "a" then a newline: (a+)+$ fails at every start, after 2^n tries.
	await box.ok(['up', 'p1', '--exec', "head -c 5000 /dev/zero | tr '\\0' a; printf '\\r\\nP1-END\\r\\n'; sleep 600"]);
	await box.ok(['up', 'p2', '--exec', 'stty -echo; echo ready; while read l; do echo "got:$l"; done']);
	await box.ok(['wait', 'p1', '--for', 'P1-END']);
	await box.ok(['wait', 'p2', '--for', 'ready']);

	let settled = false;
	const bad = box.run(['wait', 'p1', '--for', '(a+)+$', '--timeout', '300'], { timeoutMs: 300000 }).finally(() => (settled = true));

	// Meanwhile: the other console takes input and answers, and its wait matches; the
	// daemon answers requests about the console the bad pattern is reading.
	await box.ok(['send', 'p2', 'hello']);
	assert.match(await box.ok(['wait', 'p2', '--for', 'got:hello', '--timeout', '60']), /got:hello/);
	const screen = await request({ op: 'screen_text', name: 'p1' });
	assert.ok((screen.lines as string[]).some((l) => l.startsWith('P1-END')), JSON.stringify(screen));
	assert.equal(settled, false, `the bad wait was still matching (its budget is ${BUDGET_S} s) while the rest went on`);

	const r = await bad;
	assert.equal(r.code, 1);
	assert.match(r.stderr, new RegExp(`^obsdtui: /\\(a\\+\\)\\+\\$/ was stopped after ${BUDGET_S} s matching \\d+ characters of console text: it backtracks catastrophically \\(nested repetition such as \\(a\\+\\)\\+ is the usual cause\\); simplify it\\n$`));

	// Patterns that do not backtrack still work on the same console, old text and new.
	assert.equal((await box.ok(['wait', 'p1', '--for', 'a{3}P?1?'])).trim(), 'aaa');
	assert.equal((await box.ok(['wait', 'p1', '--for', 'P1-END\\n$'])).trim(), 'P1-END', '$ is the end of the output so far');
	await box.ok(['send', 'p2', 'again']);
	assert.match(await box.ok(['wait', 'p2', '--for', 'got:again']), /got:again/);
	await box.ok(['down', 'p1', '--force']);
	await box.ok(['down', 'p2', '--force']);
});

/** One connection; each request resolves with its own reply (they are handled in order). */
function connection(): { send: (msg: Record<string, unknown>) => Promise<Record<string, unknown>>; close: () => void } {
	const s = connect(join(box.dir, 'run', 'daemon.sock'));
	const dec = new FrameDecoder();
	const pending = new Map<number, (r: Record<string, unknown>) => void>();
	let id = 0;
	s.on('data', (d) => {
		for (const f of dec.push(d)) {
			const reply = parseJsonPayload(f.payload);
			pending.get(reply.id as number)?.(reply);
		}
	});
	s.on('error', () => {});
	return {
		send: (msg) => new Promise((resolve) => {
			pending.set(++id, resolve);
			s.write(encodeJson({ id, ...msg }));
		}),
		close: () => s.destroy(),
	};
}

test('a VM that stops: its last words still match; a pattern it never printed fails with why', async () => {
	const gate = join(box.dir, 'go-s1');
	await box.ok(['up', 's1', '--exec', `echo started; while [ ! -f ${gate} ]; do sleep 0.1; done; echo last-words`]);
	await box.ok(['wait', 's1', '--for', 'started']);
	const c = connection();
	const never = c.send({ op: 'wait', name: 's1', pattern: 'never-printed', new: true, timeout_ms: 120000 });
	const last = c.send({ op: 'wait', name: 's1', pattern: 'last-words', new: true, timeout_ms: 120000 });
	// Requests on a connection are taken in order: once this answers, both waits are set.
	assert.equal((await c.send({ op: 'hello', who: 'test' })).ok, true);
	writeFileSync(gate, '');
	assert.deepEqual(await last, { id: 2, ok: true, matched: 'last-words' });
	assert.deepEqual(await never, { id: 1, ok: false, error: 's1 stopped before /never-printed/ appeared' });
	c.close();
	// On a VM that has stopped: old output matches, anything else fails at once.
	assert.equal(await box.ok(['wait', 's1', '--for', 'start(ed)']), 'started\n');
	const r = await box.run(['wait', 's1', '--for', 'never-printed']);
	assert.equal(r.code, 1);
	assert.equal(r.stderr, 'obsdtui: s1 is not running and its output has no /never-printed/\n');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Annotator } from '../../src/cli/log.ts';
import type { IndexRecord } from '../../src/helper/logfiles.ts';

// "line1\n" starts at 0, "line2\n" at 6, "line3\n" at 12; the log ends at 18.
const records: IndexRecord[] = [
	{ kind: 'e', offset: 0, ms: 1000, json: { event: 'started' } },
	{ kind: 't', offset: 0, ms: 1000 },
	{ kind: 't', offset: 6, ms: 1500 },
	{ kind: 'a', offset: 6, ms: 1400, text: 'alice attached rw (writer)' },
	{ kind: 't', offset: 12, ms: 3000 },
	{ kind: 'e', offset: 18, ms: 3100, json: { event: 'exited', status: 0 } },
];
const iso = (ms: number) => new Date(ms).toISOString();

test('timestamps are seconds since the first t record, audit lines sit at their offsets', () => {
	const a = new Annotator(records, { timestamps: true, absolute: false, audit: true });
	// Fed in two pieces that split a line, as log -f does.
	const out = Buffer.concat([a.feed(Buffer.from('line1\nli'), 0), a.feed(Buffer.from('ne2\nline3\n'), 8), a.finish(18)]).toString();
	assert.equal(
		out,
		`[obsdtui ${iso(1000)}] event {"event":"started"}\n` +
			'[     0.000] line1\n' +
			`[obsdtui ${iso(1400)}] alice attached rw (writer)\n` +
			'[     0.500] line2\n' +
			'[     2.000] line3\n' +
			`[obsdtui ${iso(3100)}] event {"event":"exited","status":0}\n`,
	);
});

test('absolute times; without options the bytes pass unchanged', () => {
	const a = new Annotator(records, { timestamps: true, absolute: true, audit: false });
	assert.equal(a.feed(Buffer.from('line1\nline2'), 0).toString(), `[${iso(1000)}] line1\n[${iso(1500)}] line2`);
	const raw = Buffer.from('x\r\ny');
	assert.equal(new Annotator(records, { timestamps: false, absolute: false, audit: false }).feed(raw, 0), raw);
});

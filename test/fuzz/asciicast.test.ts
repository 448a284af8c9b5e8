// Fuzzing the asciicast reader (src/term/asciicast.ts), which reads files people attach to
// bug reports: any text gives a recording whose times start at 0 or later, never go back
// and are finite, or a UserError (one line, no stack trace); and what toAsciicast writes of
// any console log reads back as the same text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UserError } from '../../src/common/errors.ts';
import { parseAsciicast, toAsciicast } from '../../src/term/asciicast.ts';
import { stream } from './bytes.ts';
import { params, timeout } from './params.ts';

const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1e308, -1e308, 0.5, 1000, 1001));
const header = fc.oneof(
	fc.record({ version: fc.constantFrom(2, 3, 1, '2'), width: num, height: num }).map((h) => JSON.stringify(h)),
	fc.record({ version: fc.constant(3), term: fc.record({ cols: num, rows: num }) }).map((h) => JSON.stringify(h)),
	fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
	fc.string(),
);
const event = fc.oneof(
	fc
		.tuple(
			num,
			fc.constantFrom('o', 'i', 'm', 'r', 'x'),
			fc.oneof(
				fc.string(),
				stream(6).map((b) => b.toString('latin1')),
			),
		)
		.map((e) => JSON.stringify(e)),
	fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
	fc.constantFrom('', '# a comment', '[', '[1]', '[1, "o"]', '[null, "o", "x"]'),
	fc.string(),
);
const file = fc.tuple(header, fc.array(event, { maxLength: 30 }), fc.constantFrom('\n', '\r\n')).map(([h, evs, nl]) => [h, ...evs].join(nl));

/** The recording a player may trust: sizes in range, times from 0 on, finite, in order. */
function checkCast(text: string): void {
	let cast;
	try {
		cast = parseAsciicast(text);
	} catch (err) {
		assert.ok(err instanceof UserError, `threw ${String(err)}`);
		assert.doesNotMatch((err as Error).message, /\n/);
		return;
	}
	assert.ok(Number.isInteger(cast.cols) && cast.cols > 0 && cast.cols <= 1000);
	assert.ok(Number.isInteger(cast.rows) && cast.rows > 0 && cast.rows <= 1000);
	let t = 0;
	for (const e of cast.events) {
		assert.ok(Number.isFinite(e.t) && e.t >= t, `event at ${e.t} after ${t}`);
		assert.equal(typeof e.data, 'string');
		t = e.t;
	}
}

test('any text: a well-formed recording or a one-line UserError', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(fc.oneof(file, fc.string()), checkCast),
		// Found by this property: a header line of `null` threw a TypeError. Found reading the
		// code: a v3 interval below zero sent time back, huge intervals summed to Infinity.
		params(0xa5c1, 3000, [
			['null\n[1,"o","a"]'],
			['[]'],
			['{"version":3,"term":{"cols":80,"rows":24}}\n[1,"o","a"]\n[-2,"o","b"]'],
			['{"version":3,"term":{"cols":80,"rows":24}}\n[1e308,"o","a"]\n[1e308,"o","b"]'],
		]),
	);
});

test('toAsciicast of any log and index reads back as the log', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(stream(), fc.array(fc.record({ offset: fc.integer({ min: -5, max: 5000 }), ms: fc.integer({ min: 0, max: 2 ** 42 }) }), { maxLength: 20 }), (bytes, index) => {
			const text = toAsciicast(bytes, index, 80, 24);
			checkCast(text);
			const cast = parseAsciicast(text);
			assert.equal(cast.events.map((e) => e.data).join(''), new TextDecoder().decode(bytes));
		}),
		params(0xa5c2, 1000),
	);
});

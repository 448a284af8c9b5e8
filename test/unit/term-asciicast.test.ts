import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asciicastLines, isAsciicast, parseAsciicast, toAsciicast } from '../../src/term/asciicast.ts';
import { UserError } from '../../src/common/errors.ts';

test('parses asciicast v2: size from the header, output events only, absolute times', () => {
	const text = [
		'{"version": 2, "width": 100, "height": 30, "timestamp": 1700000000}',
		'[0.5, "o", "boot> "]',
		'[1.25, "i", "b"]',
		'[2.0, "o", "booting\\r\\n"]',
		'[3.0, "r", "120x40"]',
		'',
	].join('\n');
	assert.ok(isAsciicast(text));
	assert.deepEqual(parseAsciicast(text), {
		cols: 100,
		rows: 30,
		events: [
			{ t: 0.5, data: 'boot> ' },
			{ t: 2, data: 'booting\r\n' },
		],
	});
});

test('parses asciicast v3: size under term, intervals summed', () => {
	const text = ['{"version": 3, "term": {"cols": 80, "rows": 24}}', '[0.5, "o", "a"]', '[0.25, "i", "x"]', '[1.0, "o", "b"]'].join('\n');
	assert.deepEqual(parseAsciicast(text).events, [
		{ t: 0.5, data: 'a' },
		{ t: 1.75, data: 'b' },
	]);
});

test('rejects what is not an asciicast with a one-line UserError', () => {
	assert.equal(isAsciicast('OpenBSD 7.4 (GENERIC)\n'), false);
	assert.throws(() => parseAsciicast('{"version": 1}\n'), UserError);
	assert.throws(() => parseAsciicast('{"version": 2}\n'), /no valid terminal size/);
	assert.throws(() => parseAsciicast('{"version": 2, "width": 80, "height": 24}\n[0.1, "o"\n'), /line 2: not JSON/);
});

test('toAsciicast times each piece of the log by its index record, relative to the first', () => {
	const log = Buffer.from('BdsDxe\r\nboot> \r\nbooting /bsd\r\n');
	const cast = toAsciicast(
		log,
		[
			{ offset: 0, ms: 1_700_000_000_000 },
			{ offset: 8, ms: 1_700_000_001_500 },
			{ offset: 16, ms: 1_700_000_006_500 },
		],
		80,
		24,
	);
	const lines = cast.trimEnd().split('\n');
	assert.deepEqual(JSON.parse(lines[0]), { version: 2, width: 80, height: 24, timestamp: 1_700_000_000 });
	assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l)), [
		[0, 'o', 'BdsDxe\r\n'],
		[1.5, 'o', 'boot> \r\n'],
		[6.5, 'o', 'booting /bsd\r\n'],
	]);
});

test('toAsciicast keeps a UTF-8 character whole across a record boundary and round-trips', () => {
	const log = Buffer.from('ab─cd', 'utf8'); // ─ is 3 bytes at offsets 2..4
	const cast = toAsciicast(log, [{ offset: 0, ms: 1000 }, { offset: 3, ms: 2000 }], 80, 24);
	const parsed = parseAsciicast(cast);
	assert.equal(parsed.events.map((e) => e.data).join(''), 'ab─cd');
	assert.deepEqual(parsed.events.map((e) => e.t), [0, 1]);
});

test('toAsciicast without index records puts everything at time 0', () => {
	const parsed = parseAsciicast(toAsciicast(Buffer.from('x\r\n'), [], 132, 50));
	assert.deepEqual(parsed, { cols: 132, rows: 50, events: [{ t: 0, data: 'x\r\n' }] });
});

test('asciicastLines reads a log in pieces of at most 1 MiB and splits a long stretch into events', () => {
	// 2.5 MiB between two index records, with a 3-byte UTF-8 character across each 1 MiB cut.
	const MiB = 1 << 20;
	const log = Buffer.alloc(2.5 * MiB, 0x78);
	for (const cut of [MiB, 2 * MiB]) Buffer.from('€').copy(log, cut - 1);
	const reads: number[] = [];
	const lines = [
		...asciicastLines(log.length, [{ offset: 0, ms: 5000 }, { offset: log.length - 10, ms: 6000 }], 80, 24, (s, e) => {
			reads.push(e - s);
			return log.subarray(s, e);
		}),
	];
	assert.ok(Math.max(...reads) <= MiB, `reads of ${Math.max(...reads)} bytes`);
	const parsed = parseAsciicast(lines.join(''));
	assert.deepEqual([...new Set(parsed.events.map((e) => e.t))], [0, 1]);
	assert.ok(parsed.events.length >= 4, 'the 2.5 MiB stretch is several events');
	assert.equal(parsed.events.map((e) => e.data).join(''), log.toString('utf8'), 'nothing lost, characters whole');
	assert.equal(lines.join(''), toAsciicast(log, [{ offset: 0, ms: 5000 }, { offset: log.length - 10, ms: 6000 }], 80, 24));
});

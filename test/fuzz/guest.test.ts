// Fuzzing the guest parser (src/guest/): whatever bytes a guest writes, in whatever chunks
// and at whatever times, the parser never throws, and what it keeps of one line is bounded
// (MAX_LINE), however long the line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { GuestParser, scanBytes } from '../../src/guest/index.ts';
import { LineSplitter, MAX_LINE } from '../../src/guest/lines.ts';
import { ROOT } from '../helpers/cli.ts';
import { chunked, cut, piece, stream } from './bytes.ts';
import { params, timeout } from './params.ts';

// Real OpenBSD console transcripts, to be mutated: random bytes alone rarely look like a boot.
const fixtures = readdirSync(join(ROOT, 'test', 'fixtures', 'openbsd'))
	.filter((f) => f.endsWith('.txt'))
	.sort()
	.map((f) => readFileSync(join(ROOT, 'test', 'fixtures', 'openbsd', f)));

/** A transcript with random bytes and syntax pieces spliced in, and some of it cut out. */
const mutated = fc.tuple(fc.constantFrom(...fixtures), fc.array(fc.tuple(fc.nat(), fc.oneof(piece, stream(4)), fc.nat({ max: 200 })), { maxLength: 30 })).map(([text, edits]) => {
	let b = text;
	for (const [at, ins, del] of edits) {
		const p = at % (b.length + 1);
		b = Buffer.concat([b.subarray(0, p), ins, b.subarray(Math.min(b.length, p + del))]);
	}
	return b;
});

const input = fc.oneof(
	chunked(),
	fc.tuple(mutated, fc.array(fc.nat(), { maxLength: 20 })).map(([b, at]) => cut(b, at)),
);

test('the live parser never throws, whatever the bytes, chunks and clock', { timeout: timeout(180_000) }, () => {
	fc.assert(
		fc.property(input, fc.array(fc.nat({ max: 700_000 }), { minLength: 1, maxLength: 40 }), (chunks, gaps) => {
			const p = new GuestParser({ hangMs: 60_000, stallMs: 120_000 });
			let now = 0;
			chunks.forEach((c, i) => {
				now += gaps[i % gaps.length];
				p.push(c, now);
				if (i % 3 === 0) p.tick(now + gaps[(i + 1) % gaps.length]);
			});
			p.tick(now + 1_000_000);
			p.state();
			p.timeline();
			p.devices();
			const s = p.summary();
			p.end();
			assert.equal(
				s.bytes,
				chunks.reduce((n, c) => n + c.length, 0),
			);
		}),
		params(0x6e51, 1500),
	);
});

test('scanning a file never throws and counts every byte', { timeout: timeout(180_000) }, () => {
	fc.assert(
		fc.property(fc.oneof(stream(), mutated), (bytes) => {
			const s = scanBytes(bytes);
			assert.equal(s.bytes, bytes.length);
		}),
		params(0x6e52, 1000),
	);
});

test('lines: never more than MAX_LINE chars of a line are kept, whatever its length', { timeout: timeout() }, () => {
	fc.assert(
		fc.property(
			fc.array(
				fc.oneof(
					stream(4),
					fc.tuple(fc.integer({ min: 1, max: 3 * MAX_LINE }), fc.integer({ min: 0, max: 255 })).map(([n, b]) => Buffer.alloc(n, b === 10 ? 0x41 : b)),
					piece,
				),
				{ maxLength: 40 },
			),
			(chunks) => {
				let longest = 0;
				const sp = new LineSplitter((l) => {
					longest = Math.max(longest, l.text.length);
				});
				for (const c of chunks) {
					sp.push(c);
					assert.ok(sp.partialLength <= MAX_LINE, `holding ${sp.partialLength} chars of a partial line`);
				}
				sp.flush();
				assert.ok(longest <= MAX_LINE, `a line of ${longest} chars`);
			},
		),
		params(0x6e53, 2000),
	);
});

test('one line of 4 MiB of noise: what the parser keeps stays small', () => {
	// Deterministic noise, no LF: the worst case for a line splitter.
	let x = 12345;
	const noise = Buffer.alloc(4 * 1024 * 1024);
	for (let i = 0; i < noise.length; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		noise[i] = x >>> 24 === 10 ? 0x20 : x >>> 24;
	}
	const p = new GuestParser();
	for (let i = 0; i < noise.length; i += 65536) p.push(noise.subarray(i, i + 65536), i);
	const kept = JSON.stringify([p.summary(), p.state(), p.timeline()]).length;
	assert.ok(kept < 8 * MAX_LINE, `${kept} chars kept of one noise line`);
});

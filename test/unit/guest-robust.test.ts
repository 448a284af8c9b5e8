// Console bytes are hostile: CRLF mixes, NULs, invalid UTF-8, escape sequences, huge
// lines, and chunks cut anywhere. None of it may throw or change what is understood.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GuestParser, scanBytes, extractDmesg, type GuestSummary } from '../../src/guest/index.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'openbsd');

function chunked(bytes: Buffer, seed: number, events = true, max = 97): GuestSummary {
	let x = seed;
	const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) % max) + 1;
	// events: true reads every line and parses devices as they come (the daemon's way);
	// false skips uninteresting lines in bulk and parses devices late (scanning's way).
	const p = new GuestParser({ events });
	for (let i = 0; i < bytes.length; ) {
		const n = rnd();
		p.push(bytes.subarray(i, i + n), 0);
		i += n;
	}
	p.end();
	return p.summary();
}

test('random chunk boundaries give the same summary as one chunk, for every fixture', () => {
	const all = Buffer.concat(readdirSync(DIR).sort().map((f) => readFileSync(join(DIR, f))));
	const whole = scanBytes(all);
	// Concatenated, some crashes merge (no reboot between files), but there is plenty to compare.
	assert.ok(whole.boots.length > 6 && whole.crashes.length > 3);
	for (const seed of [1, 7, 42]) assert.deepEqual(chunked(all, seed), whole);
	for (const seed of [3, 9]) assert.deepEqual(chunked(all, seed, false), whole);
	for (const seed of [5, 11]) assert.deepEqual(chunked(all, seed, false, 9000), whole);
	// Byte by byte, too.
	const p = new GuestParser();
	for (let i = 0; i < all.length; i++) p.push(all.subarray(i, i + 1), 0);
	p.end();
	assert.deepEqual(p.summary(), whole);
});

test('CRLF line ends are understood like LF, and dmesg drops the CRs', () => {
	const f = readFileSync(join(DIR, 'arm64-qemu-virt-7.4-installer-boot.txt'));
	const crlf = Buffer.from(f.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
	const a = scanBytes(f);
	const b = scanBytes(crlf);
	assert.deepEqual(
		b.boots.map((x) => x.stages),
		a.boots.map((x) => x.stages),
	);
	assert.equal(b.boots[0].dmesg, a.boots[0].dmesg);
	assert.equal(b.boots[0].devices.length, 29);
});

test('a lone CR starts a new segment: a kernel line after a progress bar is still seen', () => {
	const s = scanBytes(Buffer.from('OpenBSD 7.4 (GENERIC) #1: x\nGet/Verify 45%\rGet/Verify 100%\rpanic: something broke at 12\n'));
	assert.equal(s.crashes[0].title, 'panic: something broke at NUM');
	assert.equal(s.crashes[0].line, 2);
});

test('NULs, escape sequences and invalid UTF-8 do not throw and do not hide lines', () => {
	const junk = Buffer.concat([
		Buffer.from('\0\0\x1b[1;32mroot on sd0a (abc.a) swap on sd0b dump on sd0b\x1b[0m\n'),
		Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]),
		Buffer.from('vio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu 1500 \xe2\x82\n', 'latin1'),
		Buffer.from('panic: caf\xc3\xa9 \xff\n', 'latin1'),
	]);
	const s = scanBytes(junk);
	assert.deepEqual(
		s.boots[0].stages.map((x) => x.name),
		['root', 'panic'],
	);
	assert.equal(s.boots[0].devices[0].mtu, 1500);
	// The message: valid UTF-8 is shown as UTF-8; a line with invalid bytes keeps its latin1 reading.
	const cafe = scanBytes(Buffer.from('panic: café\n')).crashes[0];
	assert.equal(cafe.message, 'café');
	assert.equal(s.crashes[0].message, 'caf\xc3\xa9 \xff');
	// Titles are ASCII, as syzkaller's: other characters are dropped.
	assert.equal(cafe.title, 'panic: caf');
	assert.equal(s.crashes[0].title, 'panic: caf');
});

test('a huge line is capped but counted, and the lines after it are still parsed', () => {
	const huge = Buffer.alloc(5 * 1024 * 1024, 0x41);
	const head = Buffer.from('OpenBSD 7.4 (GENERIC) #1: x\n');
	const tail = Buffer.from('\nroot on sd0a\n');
	const s = scanBytes(Buffer.concat([head, huge, tail]));
	assert.equal(s.lines, 3);
	assert.equal(s.bytes, head.length + huge.length + tail.length);
	assert.deepEqual(
		s.boots[0].stages.map((x) => `${x.name}:${x.line}`),
		['banner:1', 'root:3'],
	);
	// `root on` is a kernel line: the dmesg runs through it.
	assert.equal(s.boots[0].dmesgRange!.end, head.length + huge.length + tail.length);
	const noNewline = new GuestParser();
	noNewline.push(huge, 0);
	noNewline.push(huge, 0);
	assert.equal(noNewline.summary().bytes, 2 * huge.length);
});

test('empty input and binary noise give an empty summary', () => {
	assert.deepEqual(scanBytes(new Uint8Array(0)), { boots: [], crashes: [], lines: 0, bytes: 0 });
	const noise = Buffer.alloc(65536);
	for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) & 0xff;
	const s = scanBytes(noise);
	assert.equal(s.bytes, 65536);
	assert.equal(s.crashes.length, 0);
});

test('dmesg text keeps inner blank lines and drops trailing ones, however the bytes arrive', () => {
	const text = 'Copyright (c) 1982, 1986\n\n\n\nOpenBSD 7.4 (GENERIC) #1: x\n\n\nmainbus0 at root\n\n\nroot on sd0a\n\n\nlogin: ';
	const want = 'Copyright (c) 1982, 1986\n\n\n\nOpenBSD 7.4 (GENERIC) #1: x\n\n\nmainbus0 at root\n\n\nroot on sd0a\n';
	const bytes = Buffer.from(text);
	for (let size = 1; size <= bytes.length; size++) {
		const p = new GuestParser();
		for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size), 0);
		p.end();
		assert.equal(p.summary().boots[0].dmesg, want, `chunks of ${size}`);
	}
});

test('a reboot loop: old boots keep kernel, stages and dmesg range, not their devices', () => {
	const f = readFileSync(join(DIR, 'arm64-hw-rpi3-6.7-beta-dmesg.txt'));
	const loop = Buffer.concat(Array(70).fill(f));
	for (const s of [scanBytes(loop), chunked(loop, 2)]) {
		assert.equal(s.boots.length, 70);
		const first = s.boots[0];
		assert.equal(first.trimmed, true);
		assert.deepEqual(first.devices, []);
		assert.equal(first.dmesg, null);
		assert.equal(first.kernel!.ncpu, 4, 'cpu0-cpu3 attach in the file');
		// Line 83 is the next copy's `# source:` line: nothing between the copies ends the dmesg.
		assert.deepEqual(first.dmesgRange && [first.dmesgRange.firstLine, first.dmesgRange.lastLine], [2, 83]);
		assert.equal(s.boots[5].trimmed, true);
		assert.equal(s.boots[6].trimmed, undefined, 'the 64 most recent keep everything');
		assert.equal(s.boots[69].devices.length, 59);
		assert.equal(s.boots[69].kernel!.ncpu, 4);
	}
	assert.deepEqual(extractDmesg(loop, 70), extractDmesg(f, 1));
	assert.equal(extractDmesg(loop, 1).toString(), loop.toString().split('\n').slice(1, 83).join('\n') + '\n');
});

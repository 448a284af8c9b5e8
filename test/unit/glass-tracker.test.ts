// The scroll tracker at the grid level: screens built from strings and from real OpenBSD
// transcripts placed on a grid by the console stand-in (test/helpers/glass.ts), at
// OpenBSD's geometries. Expectations are the transcripts' own lines, read from the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScrollTracker } from '../../src/glass/tracker.ts';
import type { FrameHint, GlassScreen } from '../../src/glass/types.ts';
import { ConsoleStandIn, GEOMETRIES, glassRows, prng, screenOf, transcript } from '../helpers/glass.ts';

const GAP = /^\[glass: .*\]$/;
/** Without a cursor the tracker cannot tell blank rows at the bottom from blank lines: any first screen may follow lines that scrolled off. */
const FIRST = '[glass: earlier lines may have scrolled off before the first screen seen]';
const DDB = 'amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt';
const LOOP = 'amd64-hw-6.5-serial-install-and-reboot-panic-loop.txt';
const INSTALL = 'amd64-vmm-6.5-beta-autoinstall-serial.txt';
const VMWARE = 'amd64-vmware-6.0-panic-vmxnet3-stacktrace-dump-reboot.txt';

/** Push every frame; return the whole stream (final lines, then flush()). */
function stream(frames: (GlassScreen | [GlassScreen, FrameHint])[], t = new ScrollTracker()): string[] {
	const out: string[] = [];
	for (const f of frames) out.push(...(Array.isArray(f) ? t.push(f[0], f[1]) : t.push(f)).lines);
	out.push(...t.flush());
	return out;
}

/** Write `rows` (already cut to the screen's width) k at a time, one frame after each batch. */
function paced(rows: string[], geo: { cols: number; rows: number }, k: number, cursor = true): GlassScreen[] {
	const con = new ConsoleStandIn(geo.cols, geo.rows);
	const frames: GlassScreen[] = [];
	for (let i = 0; i < rows.length; i += k) {
		con.write(rows.slice(i, i + k).map((r) => `${r}\n`).join(''));
		frames.push(con.screen({ cursor }));
	}
	return frames;
}

/**
 * The stream holds the expected rows in order, each once, except runs that sit where a
 * gap line stands: every stretch between gap lines is a contiguous run of `expected`,
 * later than the one before it, and the last one ends the transcript.
 */
function assertGapConsistent(got: string[], expected: string[], ctx = ''): void {
	const parts: string[][] = [[]];
	const gapBefore: boolean[] = [false];
	for (const l of got) {
		if (GAP.test(l)) {
			parts.push([]);
			gapBefore.push(true);
		} else parts.at(-1)!.push(l);
	}
	let at = 0;
	parts.forEach((part, n) => {
		if (part.length === 0) return;
		let found = -1;
		const last = n === parts.length - 1;
		for (let s = at; s + part.length <= expected.length && found < 0; s++) {
			if (last) s = Math.max(s, expected.length - part.length);
			if (part.every((l, i) => l === expected[s + i])) found = s;
		}
		assert.ok(found >= 0, `stretch ${n} (${JSON.stringify(part.slice(0, 3))}...) is not a run of the transcript after row ${at} ${ctx}`);
		assert.ok(found === at || gapBefore[n], `rows ${at}..${found - 1} are missing without a gap line ${ctx}`);
		at = found + part.length;
	});
	assert.equal(at, expected.length, 'the stream ends with the transcript');
}

test('serial-like pace: one new line per frame gives the transcript exactly', () => {
	const lines = transcript(DDB);
	const geo = GEOMETRIES['1280x800 8x16'];
	assert.ok(lines.every((l) => l.length <= geo.cols), 'no line of this transcript wraps at 160 columns');
	const got = stream(paced(lines, geo, 1));
	assert.deepEqual(got, lines);
	assert.equal(got[2], 'ddb{1}>');
	assert.equal(got[3], 'ddb{1}> set $lines = 0');
	assert.equal(got.at(-1), 'phpool     112      632    0       23    18     0    18    18     0     8    0');
});

test('bursts of k < rows-1 lines per frame give the transcript exactly, with and without the cursor', () => {
	const geo = GEOMETRIES['1024x768 12x24'];
	const rows = glassRows(transcript(DDB), geo.cols);
	for (let k = 1; k <= geo.rows - 2; k++) {
		assert.deepEqual(stream(paced(rows, geo, k)), rows, `k=${k} with the cursor`);
		if (k <= geo.rows - 3) assert.deepEqual(stream(paced(rows, geo, k, false)), [FIRST, ...rows], `k=${k} without the cursor`);
	}
});

test('a screenful of new text per frame (rows-1 lines above the cursor row) is a gap, then that screen', () => {
	const geo = GEOMETRIES['1024x768 12x24'];
	const rows = glassRows(transcript(DDB), geo.cols);
	for (const k of [geo.rows - 1, geo.rows, geo.rows + 1, 3 * geo.rows]) {
		const frames = paced(rows, geo, k);
		const t = new ScrollTracker();
		const first = t.push(frames[0]);
		// A screen that no scroll explains is held until the next one says what it was.
		assert.deepEqual(t.push(frames[1]), { lines: [], open: '' }, `k=${k}`);
		const second = t.flush();
		const shown = frames[1].cells.map((r) => r.map((c) => c.ch).join('').trimEnd());
		assert.equal(second[0], '[glass: more than a screen scrolled by unseen]', `k=${k}`);
		assert.deepEqual(second.slice(1), shown.slice(0, geo.rows - 1), `k=${k}: the new screen's rows follow the gap line`);
		assert.match(first.lines[0], /^\[glass: earlier lines may have scrolled off before the first screen seen\]$/);
		const got = stream(frames);
		assertGapConsistent(got, rows);
		assert.ok(got.filter((l) => GAP.test(l)).length >= frames.length - 1, 'a gap line for every frame but a short last one');
	}
});

test('property: random paces below a screenful give every transcript exactly; faster paces mark every gap', () => {
	const rand = prng(0x0b5d);
	const names = [DDB, LOOP, INSTALL, VMWARE, 'amd64-witness-lock-order-reversal.txt', 'arm64-qemu-virt-7.4-installer-boot.txt'];
	const geos = [GEOMETRIES['1024x768 8x16'], GEOMETRIES['1280x800 12x24'], GEOMETRIES['1920x1080 12x24'], { cols: 80, rows: 24 }];
	let exact = 0;
	let gapped = 0;
	for (let run = 0; run < 60; run++) {
		const name = names[Math.floor(rand() * names.length)];
		const geo = geos[Math.floor(rand() * geos.length)];
		const rows = glassRows(transcript(name), geo.cols);
		const cursor = rand() < 0.7;
		const slow = run % 2 === 0;
		const max = geo.rows - 2;
		// Frames of k rows each, k drawn again for every frame.
		const con = new ConsoleStandIn(geo.cols, geo.rows);
		const frames: GlassScreen[] = [];
		let proven = true;
		for (let i = 0; i < rows.length; ) {
			const k = slow ? 1 + Math.floor(rand() * max) : geo.rows - 1 + Math.floor(rand() * 2 * geo.rows);
			// The rows both this frame and the last one show (not the cursor row): continuity
			// is provable only when one of them is not blank (docs/glass.md).
			const overlap = rows.slice(Math.max(0, i + k - (geo.rows - 1)), i);
			if (i + k > geo.rows - 1 && !overlap.some((r) => r !== '')) proven = false;
			con.write(rows.slice(i, i + k).map((r) => `${r}\n`).join(''));
			frames.push(con.screen({ cursor }));
			i += k;
		}
		const got = stream(frames);
		// Without a cursor, blank rows at the very end cannot be told from unwritten rows.
		while (!cursor && rows.at(-1) === '') rows.pop();
		const ctx = `run ${run}: ${name} ${geo.cols}x${geo.rows} ${slow ? 'slow' : 'fast'} cursor=${cursor}`;
		if (slow && proven) {
			assert.deepEqual(got, cursor ? rows : [FIRST, ...rows], ctx);
			exact++;
		} else {
			assertGapConsistent(got, rows, ctx);
			if (!slow) assert.ok(got.some((l) => GAP.test(l)), ctx);
			gapped++;
		}
	}
	assert.ok(exact >= 20, `${exact} exact runs`);
	assert.ok(gapped >= 25, `${gapped} gap runs`);
});

test('a ddb prompt stays open until the next line appears, then is final once', () => {
	const con = new ConsoleStandIn(128, 48);
	const t = new ScrollTracker();
	con.write('Stopped at      rtable_satoplen+0x150:  movzbl  0xffffffffffffffff(%r13),%r12d\nddb{1}> ');
	let o = t.push(con.screen());
	assert.deepEqual(o.lines, ['Stopped at      rtable_satoplen+0x150:  movzbl  0xffffffffffffffff(%r13),%r12d']);
	assert.equal(o.open, 'ddb{1}> ', 'the cursor after the prompt shows its space');
	o = t.push(con.screen());
	assert.deepEqual(o, { lines: [], open: 'ddb{1}> ' }, 'the same screen again writes nothing');
	o = t.push(con.screen({ cursor: false }));
	assert.deepEqual(o, { lines: [], open: 'ddb{1}>' }, 'without the cursor the trailing space cannot be seen');
	con.write('trace\nrtable_satoplen(21,ffff800003fd1f59) at rtable_satoplen+0x150\n');
	o = t.push(con.screen());
	assert.deepEqual(o, { lines: ['ddb{1}> trace', 'rtable_satoplen(21,ffff800003fd1f59) at rtable_satoplen+0x150'], open: '' });
	assert.deepEqual(t.flush(), []);
});

test('a line growing char by char, with backspace edits, is written once in its final form', () => {
	const con = new ConsoleStandIn(80, 24);
	const t = new ScrollTracker();
	const out: string[] = [];
	const opens: string[] = [];
	const see = () => {
		const o = t.push(con.screen());
		out.push(...o.lines);
		opens.push(o.open);
	};
	// Fill the screen first, so the edit happens on the bottom row and Enter scrolls.
	for (const l of transcript(DDB).slice(0, 30)) {
		con.write(`${l.slice(0, 80)}\n`);
		see();
	}
	out.length = 0;
	for (const ch of 'ddb{1}> show regs') {
		con.write(ch);
		see();
	}
	for (let i = 0; i < 4; i++) {
		con.write('\b \b');
		see();
	}
	for (const ch of 'registers') {
		con.write(ch);
		see();
	}
	assert.deepEqual(out, [], 'nothing is final while the line is being typed');
	assert.equal(opens.at(-1), 'ddb{1}> show registers');
	assert.ok(opens.includes('ddb{1}> show regs') && opens.includes('ddb{1}> show '));
	con.write('\nrdi                                0\n');
	see();
	assert.deepEqual(out, ['ddb{1}> show registers', 'rdi                                0']);
});

test('a line longer than the screen is written as the rows it takes on the glass', () => {
	const line = transcript(LOOP).find((l) => l.length > 400)!;
	const con = new ConsoleStandIn(128, 48);
	const t = new ScrollTracker();
	const out: string[] = [];
	for (let i = 0; i < 300; i += 50) {
		con.write(line.slice(i, i + 50));
		out.push(...t.push(con.screen()).lines);
	}
	con.write(`${line.slice(300)}\n`);
	out.push(...t.push(con.screen()).lines, ...t.flush());
	const rows = glassRows([line], 128);
	assert.ok(rows.length > 3 && rows.length < 46);
	assert.deepEqual(out, rows);
	assert.equal(out[0], line.slice(0, 128));
});

test('repeated identical lines: the panic loop and a run of 30 come out exactly', () => {
	const geo = GEOMETRIES['1024x768 8x16'];
	const loop = glassRows(transcript(LOOP), geo.cols);
	assert.equal(loop.filter((l) => l === 'panic: attempt to execute user address 0x0 in supervisor mode').length, 13);
	for (const k of [1, 2, 3, 5, 9]) assert.deepEqual(stream(paced(loop, geo, k)), loop, `k=${k}`);

	const before = transcript(DDB).slice(0, 20);
	const run = Array(30).fill('panic: attempt to execute user address 0x0 in supervisor mode');
	const text = [...before, ...run, 'fatal double fault in supervisor mode', 'ddb{0}>'];
	const got = stream(paced(text, geo, 3));
	assert.deepEqual(got, text);
	assert.equal(got.filter((l) => l === run[0]).length, 30);
});

test('repeated identical lines filling a small screen: CopyRect hints settle it, without them a gap line says so', () => {
	const geo = { cols: 80, rows: 24 };
	const run = Array(30).fill('panic: attempt to execute user address 0x0 in supervisor mode');
	const text = ['login: uvm_fault(0xfffff3006cf11200, 0x98, 0, 1) -> e', ...run, 'fatal double fault in supervisor mode'];
	const frames = paced(text, geo, 3);
	// Every frame after the first scrolled by the rows written since the one before.
	const scrolled = (n: number) => Math.max(0, Math.min(3 * n, text.length) - (geo.rows - 1));
	const hinted = stream(frames.map((f, i) => [f, { scrolled: scrolled(i + 1) - scrolled(i) }]));
	assert.deepEqual(hinted, text);
	const bare = stream(frames);
	assert.ok(bare.includes('[glass: repeated rows make the scroll ambiguous: identical lines may have scrolled by unseen]'));
	assert.ok(bare.filter((l) => l === run[0]).length < 30, 'the screens cannot show how many went by');
	assertGapConsistent(bare, text);
	// A lying hint is checked against the rows and dropped.
	const lied = stream(paced(glassRows(transcript(DDB), 80), geo, 2).map((f) => [f, { scrolled: 5 }]));
	assert.deepEqual(lied, glassRows(transcript(DDB), 80));
});

test('blank lines: runs of blank rows are written as they were, at the top and scrolling', () => {
	const geo = GEOMETRIES['1024x768 8x16'];
	const lines = transcript(INSTALL);
	assert.ok(lines.slice(0, 10).includes(''), 'the transcript has blank lines of its own');
	const text = [...lines.slice(0, 10), '', '', '', '', '', ...lines.slice(10)];
	const rows = glassRows(text, geo.cols);
	for (const k of [1, 4, 7]) assert.deepEqual(stream(paced(rows, geo, k)), rows, `k=${k}`);
});

test('clear screen: rows already written are not repeated, the open line is kept, new rows follow', () => {
	const con = new ConsoleStandIn(80, 24);
	const t = new ScrollTracker();
	const lines = transcript(INSTALL).slice(-30);
	for (const l of lines) con.write(`${l.slice(0, 80)}\n`);
	let o = t.push(con.screen());
	con.write('test# clear');
	o = t.push(con.screen());
	assert.equal(o.open, 'test# clear');
	o = t.push(con.write('\n').screen());
	assert.deepEqual(o, { lines: ['test# clear'], open: '' }, 'Enter: the cursor left the line');
	o = t.push(con.clear().write('test# ').screen());
	assert.deepEqual(o, { lines: [], open: 'test# ' }, 'nothing on the cleared screen is new but the prompt, still open');
	// Without a frame between Enter and the clear, the line is gone from the glass: it is final.
	const t2 = new ScrollTracker();
	const con2 = new ConsoleStandIn(80, 24).write('bsd  bsd.rd  etc\ntest# clear');
	assert.deepEqual(t2.push(con2.screen()).lines, ['bsd  bsd.rd  etc']);
	o = t2.push(con2.clear().write('test# ').screen());
	assert.deepEqual(o, { lines: [], open: 'test# ' }, 'a screen no scroll explains is held until the next one');
	o = t2.push(con2.write('ls\nbsd  bsd.rd  etc\ntest# ').screen());
	assert.deepEqual(o, { lines: ['test# clear', 'test# ls', 'bsd  bsd.rd  etc'], open: 'test# ' });
	// A redraw that shows the same text in one frame (a screen switch away and back) writes nothing.
	o = t2.push(con2.clear().write('test# ls\nbsd  bsd.rd  etc\ntest# ').screen());
	assert.deepEqual(o, { lines: [], open: 'test# ' });
	// Seen through a blank frame, the blank frame is dropped: it showed nothing the frames around it do not.
	o = t2.push(con2.clear().screen());
	assert.deepEqual(o, { lines: [], open: '' });
	o = t2.push(con2.write('test# ls\nbsd  bsd.rd  etc\ntest# ').screen());
	assert.deepEqual(o, { lines: [], open: 'test# ' });
	// A clear followed by other text: the cleared screen was real.
	t2.push(con2.clear().screen());
	o = t2.push(con2.write('test# date\n').screen());
	assert.deepEqual(o, { lines: ['test#', 'test# date'], open: '' });
});

test('rows rewritten in place (a full-screen program) are written once per change', () => {
	const geo = { cols: 80, rows: 24 };
	const con = new ConsoleStandIn(geo.cols, geo.rows);
	const t = new ScrollTracker();
	const top = ['load averages:  0.10,  0.12,  0.09    test 12:00:01', '24 processes: 23 idle, 1 on processor', 'CPU states:  0.0% user', 'Memory: Real: 20M/98M act/tot Free: 3900M', '', '  PID USERNAME PRI NICE  SIZE   RES STATE', ...Array.from({ length: 17 }, (_, i) => `${String(100 + i).padStart(5)} root      2    0  ${i}K  1K sleep`)];
	top.forEach((l, i) => con.put(i, l));
	con.row = 23;
	let o = t.push(con.screen());
	assert.deepEqual(o.lines, ['[glass: earlier lines may have scrolled off before the first screen seen]', ...top]);
	con.put(0, 'load averages:  0.10,  0.12,  0.09    test 12:00:02').put(7, '  101 root     10    0  1K  1K idle');
	assert.deepEqual(t.push(con.screen()).lines, [], 'held until the next screen');
	o = t.push(con.screen());
	assert.deepEqual(o.lines, ['load averages:  0.10,  0.12,  0.09    test 12:00:02', '  101 root     10    0  1K  1K idle']);
	assert.deepEqual(t.push(con.screen()).lines, []);
	con.put(0, 'load averages:  0.10,  0.12,  0.09    test 12:00:03');
	t.push(con.screen());
	assert.deepEqual(t.flush(), ['load averages:  0.10,  0.12,  0.09    test 12:00:03'], 'flush() takes a held screen as it is');
});

test('a screen caught mid-scroll (half copied) is dropped: no line twice, none lost', () => {
	const geo = { cols: 80, rows: 24 };
	const lines = glassRows(transcript(DDB), 80).slice(0, 40);
	const con = new ConsoleStandIn(geo.cols, geo.rows);
	const rowsOf = (s: GlassScreen) => s.cells.map((r) => r.map((c) => c.ch).join(''));
	const frames: GlassScreen[] = [];
	for (const [a, b] of [[0, 10], [10, 30]]) frames.push(con.write(lines.slice(a, b).map((l) => `${l}\n`).join('')).screen());
	const before = frames[1];
	const after = con.write(`${lines[30]}\n`).screen();
	// copyrows moves the text area up by one row, top to bottom: caught when it has moved
	// rows 0..9, halfway through row 10's pixels (cells no glyph matches), or at a row boundary.
	const garbled = rowsOf(after).slice(0, 10).concat(['\uFFFD'.repeat(40)], rowsOf(before).slice(11));
	const clean = rowsOf(after).slice(0, 10).concat(rowsOf(before).slice(10));
	for (const torn of [garbled, clean]) {
		const t = screenOf(torn, { ...geo, cursor: { row: 23, col: 0 } });
		assert.deepEqual(stream([frames[0], frames[1], t, after]), lines.slice(0, 31));
	}
});

test('an overlap of blank rows alone proves nothing: a gap line, not a guessed continuation', () => {
	const geo = { cols: 80, rows: 24 };
	const rows = glassRows(transcript(DDB), 80);
	// The screen ends with a blank line; 100 rows later the screen starts with one.
	const before = screenOf([...rows.slice(0, 22), ''], { ...geo, cursor: { row: 23, col: 0 } });
	const after = screenOf(['', ...rows.slice(100, 122)], { ...geo, cursor: { row: 23, col: 0 } });
	const got = stream([before, after]);
	assert.deepEqual(got, ['[glass: earlier lines may have scrolled off before the first screen seen]', ...rows.slice(0, 22), '', '[glass: more than a screen scrolled by unseen]', ...rows.slice(100, 122)]);
});

test('property: screens caught mid-scroll between provable screens are dropped, the stream stays exact', () => {
	// One seeded run (the seed was fixed before the tracker's rules were). Other seeds show
	// the limit docs/glass.md states: where identical lines scroll, a caught screen can
	// still be taken now and then (5 of 197 runs of this model, measured over 40 seeds).
	const rand = prng(0x7ea2);
	const names = [DDB, LOOP, INSTALL, 'amd64-panic-timeout_add.txt'];
	const geos = [GEOMETRIES['1024x768 8x16'], GEOMETRIES['1280x800 12x24'], { cols: 80, rows: 24 }];
	let torn = 0;
	for (let run = 0; run < 24; run++) {
		const name = names[run % names.length];
		const geo = geos[Math.floor(rand() * geos.length)];
		const rows = glassRows(transcript(name), geo.cols);
		const con = new ConsoleStandIn(geo.cols, geo.rows);
		const text = (s: GlassScreen) => s.cells.map((r) => r.map((c) => c.ch).join(''));
		const frames: GlassScreen[] = [];
		for (let i = 0; i < rows.length; ) {
			const k = 1 + Math.floor(rand() * (geo.rows - 2));
			const batch = rows.slice(i, i + k);
			// One screen caught while copyrows moves the text up for one row of the batch.
			const at = rand() < 0.4 ? Math.floor(rand() * batch.length) : -1;
			let caught: GlassScreen | undefined;
			batch.forEach((r, j) => {
				con.write(r);
				const full = con.row === geo.rows - 1;
				const before = j === at && full ? text(con.screen()) : undefined;
				con.write('\n');
				if (before) {
					const m = Math.floor(rand() * (geo.rows - 1));
					const after = text(con.screen());
					const mixed = after.slice(0, m).concat(rand() < 0.5 ? ['\uFFFD'.repeat(8)] : [before[m]], before.slice(m + 1));
					caught = screenOf(mixed, { ...geo, cursor: { row: geo.rows - 1, col: 0 } });
				}
			});
			if (caught) {
				frames.push(caught);
				torn++;
			}
			frames.push(con.screen());
			i += k;
		}
		assert.deepEqual(stream(frames), rows, `run ${run}: ${name} ${geo.cols}x${geo.rows}`);
	}
	assert.ok(torn >= 50, `${torn} screens caught mid-scroll`);
});

test('a scroll whose new rows show a row twice waits for the next screen; the same screen again releases it', () => {
	const geo = { cols: 80, rows: 24 };
	const panic = 'panic: attempt to execute user address 0x0 in supervisor mode';
	const lines = transcript(LOOP);
	const first = lines.indexOf(panic);
	const text = glassRows(lines.slice(first - 30, first + 4), 80);
	const at = text.indexOf(panic);
	assert.ok(at >= 24 && text.slice(at, at + 4).every((l) => l === panic), 'the loop starts after a screenful');
	const con = new ConsoleStandIn(geo.cols, geo.rows);
	const t = new ScrollTracker();
	const out: string[] = [];
	out.push(...t.push(con.write(text.slice(0, at).map((l) => `${l}\n`).join('')).screen()).lines);
	const held = t.push(con.write(text.slice(at).map((l) => `${l}\n`).join('')).screen());
	assert.deepEqual(held, { lines: [], open: '' }, 'four identical new rows: the screen could be a copy caught mid-scroll');
	const o = t.push(con.screen());
	assert.deepEqual(o.lines, [panic, panic, panic, panic], 'the quiet framebuffer pushed again: the held screen was stable');
	out.push(...o.lines, ...t.flush());
	// The first screen is written from its first row with text.
	const shown = text.slice(at - (geo.rows - 1));
	assert.equal(shown.shift(), '');
	assert.deepEqual(out, ['[glass: earlier lines may have scrolled off before the first screen seen]', ...shown]);
});

test('a held screen with rows of its own is never dropped, even when the next screen continues the one before it', () => {
	const geo = { cols: 80, rows: 24 };
	const shell = screenOf(['line one', 'line two', '# less notes'], { ...geo, cursor: { row: 3, col: 0 } });
	const pager = screenOf(['NOTES', 'remember the milk', ':'], { ...geo, cursor: { row: 2, col: 1 } });
	const back = screenOf(['line one', 'line two', '# less notes', '# '], { ...geo, cursor: { row: 3, col: 2 } });
	// The pager's screen was on the glass: its rows are written; the shell's rows come back
	// as a redraw after it (rule 5: rows are compared with the screen before, in place).
	assert.deepEqual(stream([shell, pager, back]), ['line one', 'line two', '# less notes', 'NOTES', 'remember the milk', ':', 'line one', 'line two', '# less notes', '#']);
});

test('a discontinuity: a gap line with the reason unless the screens overlap exactly', () => {
	const geo = GEOMETRIES['1024x768 12x24'];
	const rows = glassRows(transcript(DDB), geo.cols);
	const frames = paced(rows, geo, 5);
	const t = new ScrollTracker();
	const seen: string[] = [];
	for (const f of frames.slice(0, 10)) seen.push(...t.push(f).lines);
	assert.deepEqual(t.push(frames[9], { discontinuity: 'new RFB connection' }).lines, [], 'same screen: nothing happened');
	assert.deepEqual(t.push(frames[10], { discontinuity: 'new RFB connection' }).lines, rows.slice(50, 55), 'the rows overlap: continuity is proven');
	const o = t.push(frames[20], { discontinuity: 'daemon restarted' });
	assert.equal(o.lines[0], '[glass: gap: daemon restarted]');
	assert.deepEqual(o.lines.slice(1), rows.slice(100 - (geo.rows - 1) + 5, 105));
	// A fresh tracker (the daemon restarted) writes the gap before the first screen.
	assert.deepEqual(new ScrollTracker().push(frames[3], { discontinuity: 'daemon restarted' }).lines, ['[glass: gap: daemon restarted]', ...rows.slice(0, 20)]);
	// A new geometry (resolution or font changed) cannot overlap the old one.
	const t2 = new ScrollTracker();
	t2.push(screenOf(['login: root', 'Password:'], { cols: 80, rows: 24 }));
	assert.deepEqual(t2.push(screenOf(['login: root', 'Password:', 'OpenBSD 7.8'], { cols: 128, rows: 48 })).lines, ['[glass: gap: screen size changed from 80x24 to 128x48]', 'login: root', 'Password:']);
});

test('flush(): the open line is final when the source ends; an empty one is not a line', () => {
	const t = new ScrollTracker();
	assert.deepEqual(t.flush(), []);
	t.push(screenOf(['Stopped at      db_enter+0x18:  addq    $0x8,%rsp', 'ddb{0}> '], { cols: 80, rows: 24, cursor: { row: 1, col: 8 } }));
	assert.deepEqual(t.flush(), ['ddb{0}>']);
	assert.deepEqual(t.flush(), [], 'flushed once');
	t.push(screenOf(['end of kernel'], { cols: 80, rows: 24, cursor: { row: 1, col: 0 } }));
	assert.deepEqual(t.flush(), []);
	// After flush() the tracker starts afresh: the next screen is a first screen.
	assert.deepEqual(t.push(screenOf(['end of kernel', 'x'], { cols: 80, rows: 24, cursor: { row: 1, col: 1 } })).lines, ['end of kernel']);
});

test('U+FFFD cells are kept as they are; trailing spaces are trimmed', () => {
	const t = new ScrollTracker();
	const o = t.push(screenOf(['wd0 at pciide0 channel 0 drive 0: <\uFFFD\uFFFD\uFFFD>    ', 'root on wd0a   '], { cols: 80, rows: 24, cursor: { row: 2, col: 0 } }));
	assert.deepEqual(o.lines, ['wd0 at pciide0 channel 0 drive 0: <\uFFFD\uFFFD\uFFFD>', 'root on wd0a']);
});

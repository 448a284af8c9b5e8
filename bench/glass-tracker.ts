// Glass line stream throughput: the scroll tracker over screens rendered from the real
// OpenBSD transcripts (the fixtures, concatenated) on a 1920x1080 Spleen 8x16 grid (240x67),
// against two baselines measured in the same run on the same data:
//   - split: cutting the same text into lines (what the serial side does per line);
//   - read rows: turning the same screens' cells into trimmed row strings, the least any
//     tracker must do per screen (the tracker includes this).
// Paces: one row per screen (serial-like: most screens per line), and rows-2 per screen
// (the fastest scroll the frames can still prove: the rows above the cursor row, less one
// row of overlap, which proves nothing when it is blank). Beyond that every screen is a
// gap: the gap lines and the share of rows inside gaps are printed.
// The screens are built before timing: only the tracker is measured. No thresholds.
//
//   node --import tsx bench/glass-tracker.ts [runs]   (default 5 or $BENCH_RUNS)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ScrollTracker, rowText } from '../src/glass/tracker.ts';
import type { GlassScreen } from '../src/glass/types.ts';
import { ConsoleStandIn, glassRows, transcript } from '../test/helpers/glass.ts';

const runs = Math.max(1, Number(process.argv[2] ?? process.env.BENCH_RUNS ?? 5));
const COLS = 240;
const ROWS = 67;
const GAP = /^\[glass: .*\]$/;

const names = readdirSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'openbsd')).filter((f) => f.endsWith('.txt')).sort();
const lines = names.flatMap((n) => transcript(n));
const rows = glassRows(lines, COLS);
const text = `${lines.join('\n')}\n`;

function frames(k: number): GlassScreen[] {
	const con = new ConsoleStandIn(COLS, ROWS);
	const out: GlassScreen[] = [];
	for (let i = 0; i < rows.length; i += k) {
		con.write(rows.slice(i, i + k).map((r) => `${r}\n`).join(''));
		out.push(con.screen());
	}
	return out;
}

const median = (xs: number[]) => {
	const v = [...xs].sort((a, b) => a - b);
	return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const time = (f: () => number) => {
	const t0 = process.hrtime.bigint();
	const n = f();
	return { sec: Number(process.hrtime.bigint() - t0) / 1e9, n };
};
const rate = (f: () => number) => {
	f(); // warm the JIT
	const all = Array.from({ length: runs }, () => time(f));
	return { perSec: all[0].n / median(all.map((r) => r.sec)), n: all[0].n };
};

const track = (fs: GlassScreen[]) => () => {
	const t = new ScrollTracker();
	let n = 0;
	for (const f of fs) n += t.push(f).lines.length;
	return n + t.flush().length;
};
let sink = 0;
const readRows = (fs: GlassScreen[]) => () => {
	for (const f of fs) sink += f.cells.map(rowText).length;
	return rows.length;
};
const split = () => text.split('\n').length - 1;

console.log(`${lines.length} transcript lines = ${rows.length} rows on a ${COLS}x${ROWS} grid; median of ${runs} runs`);
const base = rate(split);
console.log(`baseline split into lines: ${(base.perSec / 1e6).toFixed(2)} M lines/s`);
for (const k of [1, ROWS - 2]) {
	const fs = frames(k);
	const tr = rate(track(fs));
	const rd = rate(readRows(fs));
	console.log(
		`tracker at ${k} row(s)/screen (${fs.length} screens): ${(tr.perSec / 1e3).toFixed(1)} k lines/s, ${((tr.perSec * fs.length) / rows.length).toFixed(0)} screens/s; ` +
			`read rows only: ${(rd.perSec / 1e3).toFixed(1)} k lines/s; tracker/read-rows ${(tr.perSec / rd.perSec).toFixed(2)}, tracker/split ${(tr.perSec / base.perSec).toFixed(5)}`,
	);
}
// Gap lines, and the share of the transcript's rows the stream does not hold (they are inside gaps).
for (const k of [1, ROWS - 2, ROWS - 1, 2 * ROWS]) {
	const out: string[] = [];
	const t = new ScrollTracker();
	for (const f of frames(k)) out.push(...t.push(f).lines);
	out.push(...t.flush());
	const kept = out.filter((l) => !GAP.test(l)).length;
	console.log(`at ${k} rows/screen: ${out.length - kept} gap lines; ${(100 * (1 - kept / rows.length)).toFixed(1)}% of rows inside gaps`);
}
if (sink < 0) console.log(sink);

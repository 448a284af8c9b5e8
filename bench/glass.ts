// The glyph reader's cost: ms per 1920x1080 frame read whole, per incremental update (one
// line rewritten; one line printed at the bottom with a CopyRect scroll), and for finding
// the grid in a fresh frame, against a baseline measured in the same run on the same
// buffer: one plain pass over the frame's pixels computing a checksum (the least any
// reader of the whole frame must do). Frames are drawn from a real OpenBSD transcript by
// src/glass/render.ts. Not a test: it prints medians and ratios.
//
//   node --import tsx bench/glass.ts [iterations]   (default 40)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassReader } from '../src/glass/reader.ts';
import { spleenFonts } from '../src/glass/spleen.ts';
import { renderScreen, RASOPS } from '../src/glass/render.ts';
import type { Pixels } from '../src/glass/types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const iterations = Math.max(5, Number(process.argv[2]) || 40);
const lines = readFileSync(join(root, 'test', 'fixtures', 'openbsd', 'amd64-vmware-6.0-panic-vmxnet3-stacktrace-dump-reboot.txt'), 'utf8')
	.split('\n')
	.slice(1)
	.map((l) => l.replace(/\r$/, '').replace(/\t/g, '        '));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of `fn` over the iterations; `setup` runs before each, untimed. */
function time(fn: () => void, setup: () => void = () => {}): number {
	const ms: number[] = [];
	for (let i = 0; i < iterations + 3; i++) {
		setup();
		const t0 = performance.now();
		fn();
		if (i >= 3) ms.push(performance.now() - t0);
	}
	return median(ms);
}

let sink = 0;
function checksum(px: Pixels): void {
	const d = px.data;
	let h = 0;
	for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
	sink ^= h;
}

const fonts = spleenFonts();
for (const name of ['spleen-8x16', 'spleen-12x24']) {
	const font = fonts.find((f) => f.name === name)!;
	const canvas = renderScreen(font, 1920, 1080, lines, { fg: RASOPS.white, bg: RASOPS.blue });
	const px = canvas.px;
	const base = time(() => checksum(px));

	const reader = new GlassReader(fonts);
	if (!reader.read(px)) throw new Error('no grid found');
	const full = time(() => reader.read(px));
	const detect = time(() => new GlassReader(fonts).read(px));

	// One line rewritten in place: the Raw rectangle of that row.
	let n = 0;
	let rect = canvas.putText(10, 0, 'x', RASOPS.white, RASOPS.blue);
	const oneLine = time(
		() => reader.read(px, [rect]),
		() => {
			rect = canvas.putText(10, 0, lines[n++ % lines.length].padEnd(canvas.cols).slice(0, canvas.cols), RASOPS.white, RASOPS.blue);
		},
	);
	// One line printed at the bottom: CopyRect scroll, the bottom row erased and drawn.
	let rects = canvas.scrollUp(1, RASOPS.blue);
	const scroll = time(
		() => reader.read(px, rects),
		() => {
			rects = canvas.scrollUp(1, RASOPS.blue);
			rects.push(canvas.putText(canvas.rows - 1, 0, lines[n++ % lines.length], RASOPS.white, RASOPS.blue));
		},
	);
	const screen = reader.read(px)!;
	const cells = `${screen.cols}x${screen.rows}`;
	console.log(`glass: ${name} 1920x1080 (${cells} cells), median of ${iterations}`);
	console.log(`glass:   baseline checksum pass over the frame  ${base.toFixed(3)} ms`);
	console.log(`glass:   full frame read (grid known)          ${full.toFixed(3)} ms  ${(full / base).toFixed(2)}x baseline`);
	console.log(`glass:   fresh reader (find the grid + read)   ${detect.toFixed(3)} ms  ${(detect / base).toFixed(2)}x baseline`);
	console.log(`glass:   update: one line rewritten            ${oneLine.toFixed(3)} ms  ${(oneLine / base).toFixed(2)}x baseline`);
	console.log(`glass:   update: scroll + one line at bottom   ${scroll.toFixed(3)} ms  ${(scroll / base).toFixed(2)}x baseline`);
}
if (sink === 0.5) console.log(sink);

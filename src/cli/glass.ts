// obsdtui glass read IMAGE...: the text on saved screenshots of a framebuffer console
// (PNG or PPM), read by the glyph reader. `glass` is a command with subcommands so the
// glass console can grow more of them. The output format is an interface:
// docs/glass-read.md.
import type { Argv } from 'yargs';
import { command, type Args } from './command.ts';
import { UserError } from '../common/errors.ts';
import { GlassReader } from '../glass/reader.ts';
import { GAP_PREFIX, ScrollTracker } from '../glass/tracker.ts';
import { spleenFonts } from '../glass/spleen.ts';
import type { Cell, Font, GlassScreen } from '../glass/types.ts';
import { loadFont, readImage } from '../devices/glass-files.ts';

const hex = (c: number): string => `#${c.toString(16).padStart(6, '0')}`;

/** A row's text as `glass read` prints it: its characters, trailing spaces trimmed. */
export function rowText(row: Cell[]): string {
	return row.map((c) => c.ch).join('').trimEnd();
}

/**
 * Runs of cells with the same colours, from column 0 to the last: [cells, fg, bg]. A blank
 * cell has no foreground of its own: it joins the run before it when it shows that run's
 * background (so "login: root" is one run, not three).
 */
function runs(row: Cell[]): [number, string, string][] {
	const out: [number, string, string][] = [];
	let fg = -1;
	let bg = -1;
	for (const cell of row) {
		const blank = cell.ch === ' ' && cell.fg === cell.bg;
		if (out.length && cell.bg === bg && (cell.fg === fg || blank)) {
			out[out.length - 1][0]++;
			continue;
		}
		// A run that began with blanks takes the foreground of the first character after them.
		if (out.length && cell.bg === bg && fg === bg) {
			out[out.length - 1][0]++;
			out[out.length - 1][1] = hex(cell.fg);
			fg = cell.fg;
			continue;
		}
		fg = cell.fg;
		bg = cell.bg;
		out.push([1, hex(fg), hex(bg)]);
	}
	return out;
}

/** One image's --json object (docs/glass-read.md). */
export function screenJson(file: string, width: number, height: number, s: GlassScreen | null): object {
	if (!s) return { file, width, height, font: null, unknown: 0, cursor: null, lines: [] };
	return {
		file,
		width,
		height,
		font: s.font,
		cell: [s.cellWidth, s.cellHeight],
		origin: [s.x, s.y],
		cols: s.cols,
		rows: s.rows,
		unknown: s.unknown,
		cursor: s.cursor ? [s.cursor.row, s.cursor.col] : null,
		lines: s.cells.map((row) => ({ text: rowText(row), runs: runs(row) })),
	};
}

function fontsOf(args: Args): Font[] {
	const given = args.font === undefined ? [] : ([] as unknown[]).concat(args.font).map(String);
	return given.length ? given.map(loadFont) : spleenFonts();
}

const read = command({
	command: 'read <images..>',
	describe: 'Print the text on saved framebuffer screenshots (PNG or PPM), read glyph by glyph',
	builder: (y) =>
		y
			.positional('images', { type: 'string', array: true, describe: 'PNG or binary PPM files' })
			.option('font', { type: 'string', describe: 'the console font: a shipped Spleen name (spleen-8x16) or a PSF1/PSF2 file, gzip\'d or not; repeatable (default: every Spleen size)' })
			.option('json', { type: 'boolean', describe: 'one JSON object per image: text, colour runs, font, grid, cursor' })
			.option('stream', { type: 'boolean', describe: 'the line stream across the images in order: every row that scrolled into view once, [glass: ...] lines for gaps' }),
	handler: (args) => {
		const files = ([] as unknown[]).concat(args.images ?? []).map(String);
		if (!files.length) throw new UserError('glass read: no image given');
		const fonts = fontsOf(args);
		// Read every image before printing anything: bad input prints one error, not half a result.
		const results = files.map((file) => {
			const px = readImage(file);
			return { file, px, screen: new GlassReader(fonts).read(px) };
		});
		const out: string[] = [];
		if (args.stream) {
			for (const line of streamOf(results.map((r) => r.screen), results.map((r) => r.file))) {
				out.push(args.json ? JSON.stringify({ text: line, gap: line.startsWith(GAP_PREFIX) }) + '\n' : line + '\n');
			}
			process.stdout.write(out.join(''));
			return;
		}
		results.forEach(({ file, px, screen }, i) => {
			if (!screen) process.stderr.write(`obsdtui: ${file}: no text grid found (a blank screen, a picture, or a font not given with --font)\n`);
			if (args.json) {
				out.push(JSON.stringify(screenJson(file, px.width, px.height, screen)) + '\n');
				return;
			}
			if (i > 0) out.push('\f\n');
			if (screen) out.push(screen.cells.map((row) => rowText(row) + '\n').join(''));
		});
		process.stdout.write(out.join(''));
	},
});

/**
 * The screens of successive screenshots as one line stream, as the daemon makes it from
 * the live framebuffer (src/glass/tracker.ts): an image with no text grid breaks continuity.
 */
export function streamOf(screens: (GlassScreen | null)[], files: string[]): string[] {
	const tracker = new ScrollTracker();
	const out: string[] = [];
	let broken: string | undefined;
	screens.forEach((screen, i) => {
		if (!screen) {
			broken = `${files[i]} has no text grid`;
			return;
		}
		out.push(...tracker.push(screen, broken ? { discontinuity: broken } : undefined).lines);
		broken = undefined;
	});
	out.push(...tracker.flush());
	return out;
}

export default command({
	command: 'glass <command>',
	describe: 'Read a framebuffer console as text (glass read: saved screenshots)',
	builder: (y: Argv) => y.command(read).demandCommand(1, 'glass: name a subcommand (read)'),
	handler: () => {},
});

// Paints frames onto the user's terminal. Ink lays out the chrome (side panels, the VM
// list, help) through renderToString, only when it changed; the console pane, which
// changes with every guest byte, is painted from our own row strings. Each frame writes
// only the regions that differ from the last one, at absolute positions: a quiet console
// costs nothing, a scrolling one about a row per changed guest line. (Ink re-tokenizing
// the whole pane every frame was most of the TUI's CPU: docs/node-stack §3b.)
import { renderToString } from 'ink';
import { helpLines } from './HelpView.tsx';
import { Root, type View } from './Root.tsx';
import { SidePanels } from './SidePanels.tsx';
import { ReportPreview } from './ReportPreview.tsx';
import { statusText } from './StatusLine.tsx';

export interface Segment {
	x: number;
	y: number;
	width: number;
	/** Text with SGR only, at most `width` columns. */
	text: string;
}

const EDGE = '╌';

class Memo<T> {
	private key = '';
	private value: T | undefined;
	get(key: string, make: () => T): T {
		if (key !== this.key || this.value === undefined) {
			this.key = key;
			this.value = make();
		}
		return this.value;
	}
}

export class Painter {
	private prev = new Map<string, string>();
	private layout = '';
	private cursorShown = false;
	private cursorAt = '';
	private side = new Memo<string[]>();
	private whole = new Memo<string[]>();
	private report = new Memo<string[]>();

	constructor(private write: (s: string) => void) {}

	/** The next frame repaints everything (after a resize, or when the screen was disturbed). */
	reset(): void {
		this.layout = '';
	}

	/** Returns the number of bytes written. */
	paint(view: View): number {
		const { segments, layout, cursor, scrollRows } = this.frame(view);
		let out = '';
		if (layout !== this.layout) {
			this.layout = layout;
			this.prev.clear();
			this.cursorAt = '';
			out += '\x1b[0m\x1b[H\x1b[2J';
		} else if (scrollRows) {
			out += this.scroll(segments, scrollRows);
		}
		for (const s of segments) {
			const key = `${s.x},${s.y},${s.width}`;
			if (this.prev.get(key) === s.text) continue;
			this.prev.set(key, s.text);
			// Erase the region (ECH, no cursor move), then draw: no stale cells, no wrap.
			out += `\x1b[${s.y + 1};${s.x + 1}H\x1b[0m\x1b[${s.width}X${s.text}\x1b[0m`;
		}
		const at = cursor ? `\x1b[${cursor.y + 1};${cursor.x + 1}H` : '';
		if (!out && at === this.cursorAt) return 0;
		let frame = '\x1b[?2026h';
		if (this.cursorShown && out) frame += '\x1b[?25l';
		frame += out;
		if (cursor) frame += at + '\x1b[?25h';
		else if (this.cursorShown || out) frame += '\x1b[?25l';
		frame += '\x1b[?2026l';
		this.cursorShown = Boolean(cursor);
		this.cursorAt = at;
		this.write(frame);
		return Buffer.byteLength(frame);
	}

	/**
	 * When the pane has the full rows to itself (no side column) and the guest scrolled,
	 * let the terminal scroll them (DECSTBM + SU) and paint only the new rows, as tmux
	 * does for a full-width pane: a scrolling console then costs a line per new line.
	 */
	private scroll(segments: Segment[], rows: number): string {
		const width = segments[0].width;
		const key = (y: number) => `0,${y},${width}`;
		const before = Array.from({ length: rows }, (_, y) => this.prev.get(key(y)));
		const after = segments.slice(0, rows).map((s) => s.text);
		const same = (k: number) => {
			let n = 0;
			for (let y = 0; y + k < rows; y++) if (after[y] === before[y + k] && after[y] !== '') n++;
			return n;
		};
		let best = 0;
		let bestSame = same(0);
		for (let k = 1; k < rows; k++) {
			const n = same(k);
			if (n > bestSame) {
				best = k;
				bestSame = n;
			}
		}
		// Worth it only when most of what stays was already on screen.
		if (best === 0 || bestSame < (rows - best) / 2) return '';
		for (let y = 0; y < rows; y++) {
			const moved = y + best < rows ? before[y + best] : '';
			if (moved === undefined) this.prev.delete(key(y));
			else this.prev.set(key(y), moved);
		}
		return `\x1b[0m\x1b[1;${rows}r\x1b[${best}S\x1b[r`;
	}

	frame(view: View): { segments: Segment[]; layout: string; cursor?: { x: number; y: number }; scrollRows?: number } {
		const { width, height } = view;
		const c = view.console;
		if (!c) {
			const rows = this.whole.get(JSON.stringify(view), () => renderToString(<Root view={view} />, { columns: width }).split('\n'));
			const segments = Array.from({ length: height }, (_, y) => ({ x: 0, y, width, text: rows[y] ?? '' }));
			return { segments, layout: `list ${width}x${height} ${view.list?.help}` };
		}
		const { paneWidth, paneHeight, sideWidth } = c.layout;
		const body = height - 1;
		const segments: Segment[] = [];
		let pane = c.lines;
		if (c.help) pane = helpLines(view.prefix, c.mode === 'ro').map((l) => l.slice(0, paneWidth));
		else if (c.report) {
			const r = c.report;
			pane = this.report.get(`${paneWidth} ${body} ${r.offset} ${r.text}`, () =>
				renderToString(<ReportPreview text={r.text} offset={r.offset} height={body} width={paneWidth} />, { columns: paneWidth }).split('\n'),
			);
		}
		const full = c.help || c.report !== undefined;
		const rows = full ? body : paneHeight;
		for (let y = 0; y < rows; y++) segments.push({ x: 0, y, width: paneWidth, text: pane[y] ?? '' });
		if (!full && body > paneHeight) segments.push({ x: 0, y: paneHeight, width: paneWidth, text: `\x1b[2m${EDGE.repeat(paneWidth)}` });
		if (sideWidth > 0) {
			const nowMs = Math.floor(Date.now() / 1000) * 1000;
			const props = { vm: c.vm, details: c.details, width: sideWidth, height: body, depth: view.depth, nowMs };
			const lines = this.side.get(JSON.stringify(props), () => renderToString(<SidePanels {...props} />, { columns: sideWidth }).split('\n'));
			for (let y = 0; y < body; y++) segments.push({ x: paneWidth + 1, y, width: sideWidth, text: lines[y] ?? '' });
		}
		const status = statusText({ vm: c.vm, mode: c.mode, writer: c.writer, width, prefix: view.prefix, message: view.message, prompt: view.prompt, scroll: c.scroll, glass: c.glass });
		segments.push({ x: 0, y: body, width, text: `\x1b[7m${status}` });
		return {
			segments,
			scrollRows: !full && sideWidth === 0 && paneHeight > 1 ? paneHeight : undefined,
			layout: `console ${width}x${height} ${paneWidth}x${paneHeight} ${sideWidth} ${full}`,
			cursor: c.cursor && !full && !view.prompt ? c.cursor : undefined,
		};
	}
}

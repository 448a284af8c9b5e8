// The scroll tracker: a sequence of glass screens -> an append-only line stream, like the
// serial log. Pure: no I/O, no timers. docs/glass.md ("The glass line stream") says the
// same rules for users; keep the two in step.
//
// Model. OpenBSD's console (wsemul_vt100 over rasops) writes lines top to bottom until the
// screen is full, then writes at the bottom row and moves the text area up with copyrows.
// So each screen shows a window onto the tail of the stream: rows 0..ext-1 are lines, row
// `ext` is the line being written (the open line), rows below it have not been written.
// `ext` is the cursor's row (GlassScreen.cursor) or the last non-blank row, whichever is
// lower on the screen: without a cursor, a line that ends the output stays open until a
// row appears below it, and blank rows at the bottom cannot be told from unwritten rows.
//
// Rules, applied to each new screen against the last one explained (same geometry):
// 1. Rows are compared as text: the cells' characters with trailing spaces trimmed; U+FFFD
//    cells are kept as they are; colours are ignored. A wrapped line is one row per
//    screen line: the stream holds glass rows, not the guest's logical lines.
// 2. A scroll by d rows (d = 0 is "nothing moved") is consistent when every final row of
//    the previous screen that is still on it (rows d..open-1) appears unchanged d rows
//    higher, and the old open line, if it moved (d > 0), is compatible with the row now in
//    its place: one of them is empty or they begin with the same character (it grew, was
//    edited with backspace, or was finished). With d > 0 the new screen must be written
//    down to its bottom row when its cursor is known (the console scrolls only there), and
//    the rows compared must hold a non-blank row: blank rows alone prove nothing. When only
//    the old open line is left to compare (d = open), the new top row must begin with it.
// 3. Of the consistent d, the hint (FrameHint.scrolled, from CopyRects) is taken when it is
//    one of them (verified, not trusted); otherwise the smallest d, the longest overlap,
//    which claims the fewest new lines, so nothing is invented. When a second d fits with a
//    period of at most half the overlap (the overlapping rows are one block repeated, e.g.
//    identical lines) and the new screen differs and may have scrolled (rule 7), identical
//    lines may have scrolled by unseen: a gap line says so. A screen identical to the previous
//    one is "nothing happened": a scroll by whole periods of identical rows leaves the glass
//    pixel-identical and cannot be seen without the hint.
// 4. After a scroll by d, the old open line (now at open-d) and every row below it down to
//    the new open row are final and written out, in order. An open line that changes in
//    place (grows, is edited, is rewritten after \r) is written once, in the form it has
//    when a row appears below it.
// 5. Screens caught mid-scroll. The guest moves the text (copyrows) while the host copies
//    the framebuffer, so a screen can show the top rows moved and the bottom ones not yet
//    (a row twice, or a row of half-moved cells, U+FFFD). Such a screen is held, not
//    written, until the next one: a screen no scroll explains, and a screen whose scroll
//    makes new rows that show a row twice in a row or U+FFFD cells (those rows cannot be
//    checked against the old screen). When the next screen comes:
//    - the same screen again: the held one was stable, and is real;
//    - the next one continues the screen before the held one directly, shows no identical
//      pair or U+FFFD in its own new rows when the held one was a scroll, cannot be reached
//      through the held one by scrolls that add up, and the held one shows no row but
//      theirs (or U+FFFD rows): it was caught mid-scroll, and is dropped, losing nothing;
//    - otherwise the held one was real and is taken: a scroll as in rule 4, or, with no
//      scroll, as it is:
//      - the previous open line, if not empty and not still shown on its row, is final;
//      - if the CopyRects proved a scroll, or the screen may have scrolled (rule 7) and
//        fewer than half of its non-blank rows (or none) are unchanged in their place,
//        more than a screen scrolled by unseen: a gap line, then the screen's rows;
//      - otherwise the screen was cleared or redrawn: rows unchanged in their place (blank
//        ones too) were written already and are not repeated; the others are written, top
//        to bottom. Full-screen programs are read this way: every row they change is
//        written once per change; they are not a line stream, the result is a record.
//    Two unsure screens in a row (identical lines scrolling in both) can defeat this: the
//    held one is then taken, and if it was the one caught mid-scroll a row may be doubled.
//    The daemon pushes the screen again when the framebuffer has been quiet for a moment,
//    so a held screen does not wait for the next change.
// 6. A discontinuity (FrameHint.discontinuity) or a change of geometry: a gap line with the
//    reason, then the new screen's rows, unless the geometry is the same and the screens
//    overlap exactly (identical, or exactly one consistent scroll backed by a non-blank row).
// 7. A screen may have scrolled lines off its top when its cursor is on the bottom row, or,
//    without a cursor, when it has any text (blank rows at the bottom may be blank lines).
//    The first screen a tracker sees is written from its first non-blank row (as is every
//    screen after a gap line), after a gap line if it may have scrolled.
// 8. The open line is reported with its spaces up to the cursor when the cursor is on its
//    row (a prompt `# ` keeps its space, as on serial); while a screen is held, it is the
//    held screen's. Final lines are trimmed.
// 9. flush(): the source ended; a held screen is taken as it is, then the open line is
//    final if it is not empty. The tracker then starts afresh.
import type { FrameHint, GlassScreen, TrackerOutput } from './types.ts';

/** One screen, read for the tracker. */
interface Frame {
	/** Each row's text, trailing spaces trimmed. */
	rows: string[];
	cols: number;
	/** The last non-blank row, -1 if none. */
	lnb: number;
	/** The cursor's row, if the reader saw the cursor. */
	cursor: number | undefined;
	/** The cursor's column (for the open line's trailing spaces). */
	cursorCol: number;
	/** The open row: the cursor's or the last non-blank row, whichever is lower. */
	ext: number;
	/** May lines have scrolled off the top? See rule 7. */
	full: boolean;
	hint: FrameHint | undefined;
}

/** The last screen the tracker explained: rows above `open` are written out, rows below it are blank. */
interface Seen {
	frame: Frame;
	open: number;
}

/** The prefix of every line the tracker itself writes (never guest text it read). */
export const GAP_PREFIX = '[glass: ';

export function gapLine(what: string): string {
	return `${GAP_PREFIX}${what}]`;
}

/** A row's text: its characters, trailing spaces trimmed. */
export function rowText(cells: readonly { ch: string }[]): string {
	// Trim on the cells first: most of a console row is blank, and this is most of the tracker's time.
	let end = cells.length;
	while (end > 0 && cells[end - 1].ch === ' ') end--;
	let s = '';
	for (let i = 0; i < end; i++) s += cells[i].ch;
	return s;
}

function read(screen: GlassScreen, hint: FrameHint | undefined): Frame {
	// A grid with no rows (nothing readable) is one blank row, so there is always a row to be open.
	const rows = screen.cells.length > 0 ? screen.cells.map(rowText) : [''];
	const R = rows.length;
	let lnb = R - 1;
	while (lnb >= 0 && rows[lnb] === '') lnb--;
	const c = screen.cursor;
	const cursor = c && Number.isInteger(c.row) && c.row >= 0 && c.row < R ? c.row : undefined;
	const cursorCol = c && cursor !== undefined ? Math.min(Math.max(0, Math.trunc(c.col) || 0), screen.cols) : 0;
	const ext = Math.max(lnb, cursor ?? -1, 0);
	// Only a cursor on the bottom row says lines may have scrolled off; without a cursor,
	// blank rows at the bottom may be blank lines, so any screen with text may have.
	const full = cursor !== undefined ? ext === R - 1 : lnb >= 0;
	return { rows, cols: screen.cols, lnb, cursor, cursorCol, ext, full, hint };
}

function compatible(old: string, now: string): boolean {
	return old === '' || now === '' || old[0] === now[0];
}

/** Rule 2: is a scroll by d rows consistent with the previous screen and the new one? */
function fits(prev: Seen, f: Frame, d: number): boolean {
	const from = prev.open - d;
	const old = prev.frame.rows;
	const rows = f.rows;
	let evidence = false;
	for (let i = 0; i < from; i++) {
		const r = rows[i];
		if (r !== old[i + d]) return false;
		if (r !== '') evidence = true;
	}
	if (d === 0) return true;
	if (f.cursor !== undefined && Math.max(f.lnb, f.cursor, from) !== rows.length - 1) return false;
	const oldOpen = old[prev.open];
	const now = rows[from];
	if (from === 0) return oldOpen !== '' && now.startsWith(oldOpen);
	if (!compatible(oldOpen, now)) return false;
	return evidence || (oldOpen !== '' && now.startsWith(oldOpen));
}

/** Every consistent scroll, smallest (longest overlap) first. */
function fitting(prev: Seen, f: Frame): number[] {
	const out: number[] = [];
	for (let d = 0; d <= prev.open; d++) if (fits(prev, f, d)) out.push(d);
	return out;
}

/**
 * Rule 5: the rows a scroll by d makes new cannot be checked against the old screen; a
 * copy caught mid-scroll shows there a row twice in a row, or a row of unreadable cells.
 */
function unsure(prev: Seen, f: Frame, d: number): boolean {
	if (d === 0) return false;
	const from = prev.open - d;
	const open = Math.max(f.ext, from);
	for (let i = Math.max(1, from); i <= open; i++) if (f.rows[i] === f.rows[i - 1] || f.rows[i].includes('\uFFFD')) return true;
	return false;
}

function sameRows(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((r, i) => r === b[i]);
}

export class ScrollTracker {
	private seen: Seen | undefined;
	/**
	 * Rule 5: a screen kept back until the next one says what it was, with what it would
	 * mean if it was real: a scroll by `d`, or (d undefined) no scroll at all.
	 */
	private held: { frame: Frame; d: number | undefined } | undefined;

	push(screen: GlassScreen, hint?: FrameHint): TrackerOutput {
		const f = read(screen, hint);
		const out: string[] = [];
		const prev = this.seen;
		if (!prev) {
			if (hint?.discontinuity) out.push(gapLine(`gap: ${hint.discontinuity}`));
			else if (f.lnb >= 0 && f.full) out.push(gapLine('earlier lines may have scrolled off before the first screen seen'));
			this.page(out, f);
			return this.result(out);
		}
		if (this.held) {
			const held = this.held;
			this.held = undefined;
			if (this.caught(prev, held, f)) {
				// Judge the new screen against the one before the dropped one: so are the CopyRects.
				if (held.frame.hint?.scrolled !== undefined && hint?.scrolled !== undefined) f.hint = { ...hint, scrolled: held.frame.hint.scrolled + hint.scrolled };
			} else if (held.d === undefined) this.unexplained(out, prev, held.frame);
			else this.scroll(out, prev, held.frame, held.d);
		}
		this.next(out, f);
		return this.result(out);
	}

	flush(): string[] {
		const out: string[] = [];
		if (this.seen && this.held) {
			if (this.held.d === undefined) this.unexplained(out, this.seen, this.held.frame);
			else this.scroll(out, this.seen, this.held.frame, this.held.d);
		}
		const prev = this.seen;
		this.seen = undefined;
		this.held = undefined;
		if (prev && prev.frame.rows[prev.open] !== '') out.push(prev.frame.rows[prev.open]);
		return out;
	}

	/** The new screen against the last explained one. */
	private next(out: string[], f: Frame): void {
		const prev = this.seen!;
		const old = prev.frame;
		const R = f.rows.length;
		if (R !== old.rows.length || f.cols !== old.cols) {
			this.finishOpen(out, prev, f);
			out.push(gapLine(`gap: ${f.hint?.discontinuity ?? `screen size changed from ${old.cols}x${old.rows.length} to ${f.cols}x${R}`}`));
			this.page(out, f);
			return;
		}
		const same = sameRows(f.rows, old.rows);
		const ds = fitting(prev, f);
		if (f.hint?.discontinuity) {
			// Rule 6: continuity across it only when the screens overlap exactly.
			const exact = same || (ds.length === 1 && (ds[0] > 0 || old.rows.slice(0, prev.open).some((r) => r !== '')));
			if (!exact) {
				this.finishOpen(out, prev, f);
				out.push(gapLine(`gap: ${f.hint.discontinuity}`));
				this.page(out, f);
				return;
			}
		}
		if (ds.length === 0) {
			this.held = { frame: f, d: undefined };
			return;
		}
		const scrolled = f.hint?.scrolled;
		const hinted = scrolled !== undefined && ds.includes(scrolled) ? scrolled : undefined;
		const d = hinted ?? ds[0];
		// Rule 3. Periodic: a second alignment fits whose period is at most half the overlap,
		// that is, the overlapping rows hold the same block at least twice over.
		const periodic = ds.length > 1 && ds[1] - ds[0] <= (prev.open - ds[0]) / 2;
		if (hinted === undefined && periodic && !same && f.full)
			out.push(gapLine('repeated rows make the scroll ambiguous: identical lines may have scrolled by unseen'));
		if (unsure(prev, f, d)) this.held = { frame: f, d };
		else this.scroll(out, prev, f, d);
	}

	/**
	 * Rule 5: was the held screen caught mid-scroll (a half-done copy of the framebuffer)?
	 * Yes when the new screen continues the screen before it directly, not through it, and
	 * it shows no row but theirs (or rows of unreadable cells): dropping it loses nothing.
	 * The same screen twice is a stable screen, never a half-done copy.
	 */
	private caught(prev: Seen, held: { frame: Frame; d: number | undefined }, f: Frame): boolean {
		const h = held.frame;
		if (f.rows.length !== h.rows.length || f.cols !== h.cols || f.hint?.discontinuity || sameRows(f.rows, h.rows)) return false;
		const direct = fitting(prev, f);
		if (direct.length === 0) return false;
		if (held.d !== undefined) {
			// Which of two scrolls was caught mid-copy: the held one, unless the new one is unsure too.
			if (unsure(prev, f, direct[0])) return false;
			// Through the held screen: a scroll from it that adds up to a direct one.
			const via: Seen = { frame: h, open: Math.max(h.ext, prev.open - held.d) };
			if (fitting(via, f).some((d) => direct.includes(held.d! + d))) return false;
		}
		return h.rows.every((r) => r === '' || r.includes('\uFFFD') || prev.frame.rows.includes(r) || f.rows.includes(r));
	}

	/** Rule 4: the old open line and the rows below it down to the new open row are final. */
	private scroll(out: string[], prev: Seen, f: Frame, d: number): void {
		const from = prev.open - d;
		const open = Math.max(f.ext, from);
		for (let i = from; i < open; i++) out.push(f.rows[i]);
		this.seen = { frame: f, open };
	}

	/** Rule 5: a screen no scroll explains, taken as it is: a gap, or a clear or redraw. */
	private unexplained(out: string[], prev: Seen, f: Frame): void {
		const old = prev.frame;
		let kept = 0;
		let written = 0;
		for (let i = 0; i < f.ext; i++) {
			if (f.rows[i] === '') continue;
			written++;
			if (i < prev.open && f.rows[i] === old.rows[i]) kept++;
		}
		const scrolled = (f.hint?.scrolled ?? 0) > 0;
		if (scrolled || (f.full && (kept === 0 || kept * 2 < written))) {
			this.finishOpen(out, prev, f);
			out.push(gapLine(f.cursor === undefined && !scrolled ? 'no overlap with the previous screen and no cursor: lines may have scrolled by unseen' : 'more than a screen scrolled by unseen'));
			this.page(out, f);
			return;
		}
		this.finishOpen(out, prev, f);
		for (let i = 0; i < f.ext; i++) if (!(i < prev.open && f.rows[i] === old.rows[i])) out.push(f.rows[i]);
		this.seen = { frame: f, open: f.ext };
	}

	/** The previous open line is final when the new screen no longer shows it on its row. */
	private finishOpen(out: string[], prev: Seen, f: Frame): void {
		const open = prev.frame.rows[prev.open];
		if (open !== '' && f.rows[prev.open] !== open) out.push(open);
	}

	/** Rules 6 and 7: a screen taken as it is, from its first non-blank row. */
	private page(out: string[], f: Frame): void {
		let i = 0;
		while (i < f.ext && f.rows[i] === '') i++;
		for (; i < f.ext; i++) out.push(f.rows[i]);
		this.seen = { frame: f, open: f.ext };
	}

	/** The lines, and the open line: the held screen's if one is held (it is what the glass shows). */
	private result(lines: string[]): TrackerOutput {
		const held = this.held;
		const f = held ? held.frame : this.seen!.frame;
		const open = held ? (held.d === undefined ? f.ext : Math.max(f.ext, this.seen!.open - held.d)) : this.seen!.open;
		const text = f.rows[open] ?? '';
		// Rule 8: a prompt's trailing space is shown by the cursor after it.
		const padded = f.cursor === open && f.cursorCol > text.length ? text.padEnd(f.cursorCol) : text;
		return { lines, open: padded };
	}
}

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
// Rules, applied to each new screen against the previous one (same geometry):
// 1. Rows are compared as text: the cells' characters with trailing spaces trimmed; U+FFFD
//    cells are kept as they are; colours are ignored. A wrapped line is one row per
//    screen line: the stream holds glass rows, not the guest's logical lines.
// 2. A scroll by d rows (d = 0 is "nothing moved") is consistent when every final row of
//    the previous screen that is still on it (rows d..open-1) appears unchanged d rows
//    higher, and the old open line, if it moved (d > 0), is compatible with the row now in
//    its place: one of them is empty or they begin with the same character (it grew, was
//    edited with backspace, or was finished). With d > 0 the new screen must have been
//    written down to its bottom row (a scroll only happens there) unless its cursor is
//    unknown, and the rows compared must hold at least one non-blank row: blank rows alone
//    prove nothing. When only the old open line is left to compare (d = open), the new top
//    row must begin with all of it.
// 3. Of the consistent d, the hint (FrameHint.scrolled, from CopyRects) is taken when it is
//    one of them (it is verified, not trusted); otherwise the smallest d, which is the
//    longest overlap. Several consistent d mean the overlapping rows repeat with a period
//    (identical lines, blank runs): the smallest d claims the fewest new lines, so nothing
//    is invented, but identical lines may have scrolled by unseen. If the new screen
//    differs from the old one and reaches the bottom row, a gap line says so. A screen
//    identical to the previous one is "nothing happened": a scroll by a whole period of
//    identical rows leaves the glass pixel-identical and is invisible without the hint.
// 4. After a scroll by d, the old open line (now at open-d) and every row below it down to
//    the new open row are final and written out, in order; the new open row is reported.
//    An open line that changes in place (grows, is edited, is rewritten by \r) is written
//    once, in the form it had when a row appeared below it.
// 5. No scroll is consistent:
//    - The previous open line, if not empty and not still shown on its row, is final (it
//      was on the glass): written first.
//    - If the CopyRects proved a scroll, or the new screen reaches its bottom row and is not
//      a rewrite in place (fewer than half of its non-blank rows, or none, are unchanged in
//      their place), more than a screen scrolled by unseen: a gap line, then the new screen's
//      rows (from its first non-blank row).
//    - Otherwise the screen was cleared or redrawn: rows unchanged in their place (blank ones
//      too) were written already and are not repeated; the others are written, top to
//      bottom. Full-screen programs are read this way: every row they change is written
//      once per change; they are not a line stream and the result is only a record.
// 6. A discontinuity (FrameHint.discontinuity) or a change of geometry: a gap line with the
//    reason, then the new screen's rows, unless the screens overlap exactly (identical, or
//    one consistent scroll backed by a non-blank row) and the geometry is the same.
// 7. The first screen a tracker sees is written from its first non-blank row; if it is
//    written down to its bottom row, earlier lines may have scrolled off: a gap line says so.
// 8. The open line is reported with its spaces up to the cursor when the cursor is on its
//    row (a prompt `# ` keeps its space, as on serial); final lines are trimmed.
// 9. flush(): the source ended; the open line is final if it is not empty. The tracker then
//    starts afresh.
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

// Line breaks and other controls: the glass log is one line per line, so none may be in
// one. The reader never reads them off the glass, but a cell holds whatever a font's
// unicode table says (--font FILE).
const BREAKS = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

export function gapLine(what: string): string {
	return `${GAP_PREFIX}${what.replace(BREAKS, ' ')}]`;
}

/** A row's text: its characters, trailing spaces trimmed, controls as U+FFFD. */
export function rowText(cells: readonly { ch: string }[]): string {
	let s = '';
	for (const c of cells) s += c.ch;
	BREAKS.lastIndex = 0;
	if (BREAKS.test(s)) s = s.replace(BREAKS, '\uFFFD');
	let end = s.length;
	while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
	return end === s.length ? s : s.slice(0, end);
}

function read(screen: GlassScreen, hint: FrameHint | undefined): Frame {
	const rows = screen.cells.map(rowText);
	// No rows (the reader never returns such a screen): one blank row, so the open row exists.
	if (!rows.length) rows.push('');
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

function sameRows(a: string[], b: string[]): boolean {
	return a.length === b.length && a.every((r, i) => r === b[i]);
}

export class ScrollTracker {
	private seen: Seen | undefined;
	/** Rule 5: a screen no scroll explains, kept back until the next screen says what it was. */
	private held: Frame | undefined;

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
		const geometry = f.rows.length !== prev.frame.rows.length || f.cols !== prev.frame.cols;
		if (this.held) {
			// A held screen that the new one skips over (the new one continues the screen before
			// it) and that shows no row but theirs (or rows with unreadable cells) was caught
			// mid-scroll, half copied: dropped, losing nothing. Otherwise it was real: taken now.
			const held = this.held;
			this.held = undefined;
			const torn =
				!geometry &&
				!hint?.discontinuity &&
				fitting(prev, f).length > 0 &&
				held.rows.every((r) => r === '' || r.includes('\uFFFD') || prev.frame.rows.includes(r) || f.rows.includes(r));
			if (!torn) this.unexplained(out, prev, held);
		}
		this.next(out, f);
		return this.result(out);
	}

	flush(): string[] {
		const out: string[] = [];
		if (this.seen && this.held) this.unexplained(out, this.seen, this.held);
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
			this.held = f;
			return;
		}
		const scrolled = f.hint?.scrolled;
		const hinted = scrolled !== undefined && ds.includes(scrolled) ? scrolled : undefined;
		const d = hinted ?? ds[0];
		// Rule 3. Periodic: a second alignment fits whose period is at most half the overlap,
		// that is, the overlapping rows hold the same block at least twice over.
		const periodic = ds.length > 1 && ds[1] - ds[0] <= (prev.open - ds[0]) / 2;
		if (hinted === undefined && periodic && !same && Math.max(f.lnb, f.cursor ?? -1) === R - 1)
			out.push(gapLine('repeated rows make the scroll ambiguous: identical lines may have scrolled by unseen'));
		// Rule 4.
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
		const f = this.held ?? this.seen!.frame;
		const open = this.held ? f.ext : this.seen!.open;
		const text = f.rows[open] ?? '';
		// Rule 8: a prompt's trailing space is shown by the cursor after it.
		const padded = f.cursor === open && f.cursorCol > text.length ? text.padEnd(f.cursorCol) : text;
		return { lines, open: padded };
	}
}

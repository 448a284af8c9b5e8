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

/** The previous screen, as the tracker keeps it. */
interface Seen {
	rows: string[];
	cols: number;
	/** The open row: rows above it were written out, rows below it are blank. */
	open: number;
}

/** The prefix of every line the tracker itself writes (never guest text it read). */
export const GAP_PREFIX = '[glass: ';

export function gapLine(what: string): string {
	return `${GAP_PREFIX}${what}]`;
}

/** A row's text: its characters, trailing spaces trimmed. */
export function rowText(cells: readonly { ch: string }[]): string {
	let s = '';
	for (const c of cells) s += c.ch;
	let end = s.length;
	while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
	return end === s.length ? s : s.slice(0, end);
}

function compatible(old: string, now: string): boolean {
	return old === '' || now === '' || old[0] === now[0];
}

export class ScrollTracker {
	private seen: Seen | undefined;
	private cursorAt: { row: number; col: number } | undefined;

	push(screen: GlassScreen, hint?: FrameHint): TrackerOutput {
		const rows = screen.cells.map(rowText);
		const R = rows.length;
		let lnb = R - 1;
		while (lnb >= 0 && rows[lnb] === '') lnb--;
		const c = screen.cursor;
		const cursor = c && Number.isInteger(c.row) && c.row >= 0 && c.row < R ? c.row : undefined;
		const ext = Math.max(lnb, cursor ?? -1, 0);
		// May lines have scrolled off the top? Only a cursor on the bottom row says so for
		// sure; without a cursor, blank rows at the bottom may be blank lines: assume it may.
		const full = cursor !== undefined ? ext === R - 1 : lnb >= 0;
		// The open line as typed so far: a prompt's trailing space is shown by the cursor after it.
		this.cursorAt = cursor !== undefined && c ? { row: cursor, col: Math.min(Math.max(0, Math.trunc(c.col)), screen.cols) } : undefined;
		const out: string[] = [];
		const prev = this.seen;

		if (!prev) {
			if (hint?.discontinuity) out.push(gapLine(`gap: ${hint.discontinuity}`));
			else if (lnb >= 0 && full) out.push(gapLine('earlier lines may have scrolled off before the first screen seen'));
			return this.page(out, rows, screen.cols, ext);
		}

		if (R !== prev.rows.length || screen.cols !== prev.cols) {
			this.finishOpen(out, prev, rows);
			out.push(gapLine(`gap: ${hint?.discontinuity ?? `screen size changed from ${prev.cols}x${prev.rows.length} to ${screen.cols}x${R}`}`));
			return this.page(out, rows, screen.cols, ext);
		}

		const same = rows.every((r, i) => r === prev.rows[i]);
		const fits: number[] = [];
		for (let d = 0; d <= prev.open; d++) if (this.fits(prev, rows, d, lnb, cursor)) fits.push(d);
		const hinted = hint?.scrolled !== undefined && fits.includes(hint.scrolled) ? hint.scrolled : undefined;

		if (hint?.discontinuity) {
			const exact = same || (fits.length === 1 && (fits[0] > 0 || prev.rows.slice(0, prev.open).some((r) => r !== '')));
			if (!exact) {
				this.finishOpen(out, prev, rows);
				out.push(gapLine(`gap: ${hint.discontinuity}`));
				return this.page(out, rows, screen.cols, ext);
			}
		}

		if (fits.length > 0) {
			const d = hinted ?? fits[0];
			// Periodic: a second alignment fits whose period is at most half the overlap, i.e.
			// the overlapping rows hold the same block at least twice over.
			const periodic = fits.length > 1 && fits[1] - fits[0] <= (prev.open - fits[0]) / 2;
			if (hinted === undefined && periodic && !same && Math.max(lnb, cursor ?? -1) === R - 1)
				out.push(gapLine('repeated rows make the scroll ambiguous: identical lines may have scrolled by unseen'));
			const from = prev.open - d;
			const open = Math.max(lnb, cursor ?? -1, from);
			for (let i = from; i < open; i++) out.push(rows[i]);
			this.seen = { rows, cols: screen.cols, open };
			return { lines: out, open: this.openText(rows, open) };
		}

		// No scroll explains the new screen: a clear or redraw, or more than a screen went by.
		let kept = 0;
		let written = 0;
		for (let i = 0; i < ext; i++) {
			if (rows[i] === '') continue;
			written++;
			if (i < prev.open && rows[i] === prev.rows[i]) kept++;
		}
		const scrolled = (hint?.scrolled ?? 0) > 0;
		if (scrolled || (full && (kept === 0 || kept * 2 < written))) {
			this.finishOpen(out, prev, rows);
			out.push(gapLine(cursor === undefined && !scrolled ? 'no overlap with the previous screen and no cursor: lines may have scrolled by unseen' : 'more than a screen scrolled by unseen'));
			return this.page(out, rows, screen.cols, ext);
		}
		const oldOpen = prev.rows[prev.open];
		if (oldOpen !== '' && rows[prev.open] !== oldOpen) out.push(oldOpen);
		for (let i = 0; i < ext; i++) if (!(i < prev.open && rows[i] === prev.rows[i])) out.push(rows[i]);
		this.seen = { rows, cols: screen.cols, open: ext };
		return { lines: out, open: this.openText(rows, ext) };
	}

	flush(): string[] {
		const prev = this.seen;
		this.seen = undefined;
		if (!prev) return [];
		const open = prev.rows[prev.open];
		return open === '' ? [] : [open];
	}

	/** Rule 2: is a scroll by d rows consistent with the previous and the new screen? */
	private fits(prev: Seen, rows: string[], d: number, lnb: number, cursor: number | undefined): boolean {
		const from = prev.open - d;
		let evidence = d === 0;
		for (let i = 0; i < from; i++) {
			const r = rows[i];
			if (r !== prev.rows[i + d]) return false;
			if (r !== '') evidence = true;
		}
		if (d === 0) return true;
		const R = rows.length;
		if (cursor !== undefined && Math.max(lnb, cursor, from) !== R - 1) return false;
		const oldOpen = prev.rows[prev.open];
		const now = rows[from];
		if (from === 0) return oldOpen !== '' && now.startsWith(oldOpen);
		if (!compatible(oldOpen, now)) return false;
		return evidence || (oldOpen !== '' && now.startsWith(oldOpen));
	}

	/** The previous open line is final when the new screen no longer shows it on its row. */
	private finishOpen(out: string[], prev: Seen, rows: string[]): void {
		const open = prev.rows[prev.open];
		if (open !== '' && rows[prev.open] !== open) out.push(open);
	}

	/** Rules 6 and 7: a screen taken as it is, from its first non-blank row. */
	private page(out: string[], rows: string[], cols: number, ext: number): TrackerOutput {
		let i = 0;
		while (i < ext && rows[i] === '') i++;
		for (; i < ext; i++) out.push(rows[i]);
		this.seen = { rows, cols, open: ext };
		return { lines: out, open: this.openText(rows, ext) };
	}

	/** The open row's text, with the spaces up to the cursor when the cursor is on it (`# `). */
	private openText(rows: string[], open: number): string {
		const text = rows[open] ?? '';
		const at = this.cursorAt;
		return at && at.row === open && at.col > text.length ? text.padEnd(at.col) : text;
	}
}

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
//    (a row twice, or a row of half-moved cells, U+FFFD). So a screen is held, not written,
//    when no scroll explains it, or when the rows its scroll makes new (which cannot be
//    checked against the old screen) show a row twice in a row or U+FFFD cells ("unsure").
//    Held screens are judged as later ones come, oldest first:
//    - the latest held screen that continues the last explained one by a sure scroll is
//      taken, and the held screens before it are dropped if they show no row but theirs
//      (or U+FFFD rows, or rows whose every character is that of one of their rows in the
//      same column: a row caught while it was being redrawn): caught mid-scroll, or merely
//      passed over, they lose nothing;
//    - the oldest is real when a later one continues it by a sure scroll (unless a later
//      one also continues the screen before it directly), or when it is seen twice (the
//      daemon pushes the screen again when the framebuffer has been quiet for a moment, so
//      a held screen does not wait for the next change);
//    - when more than MAX_HELD wait, the held screens are taken along the chain of scrolls
//      with the fewest unsure ones (passing over screens that show nothing else), or the
//      oldest is taken as it is. A screen taken after a gap does not write again its top
//      rows that are the last lines already written. A screen taken after a gap does not
//      write again its top rows that are the last lines already written.
//    Identical lines scrolling fast make every screen unsure: a screen caught mid-scroll
//    there can still be taken, and a row doubled or a U+FFFD row written (rare: see the
//    figures in docs/glass.md).
//    A screen no scroll explains, taken as real:
//    - the previous open line, if not empty and not still shown on its row, is final;
//    - if the CopyRects proved a scroll, or the screen may have scrolled (rule 7) and fewer
//      than half of its non-blank rows (or none) are unchanged in their place, more than a
//      screen scrolled by unseen: a gap line, then the screen's rows;
//    - otherwise the screen was cleared or redrawn: rows unchanged in their place (blank
//      ones too) were written already and are not repeated; the others are written, top to
//      bottom. Full-screen programs are read this way: every row they change is written
//      once per change; they are not a line stream, the result is a record.
// 6. A discontinuity (FrameHint.discontinuity) or a change of geometry: the held screens are
//    judged first, as if the source ended; then a gap line with the reason and the new
//    screen's rows, unless the geometry is the same and the screens
//    overlap exactly (identical, or exactly one consistent scroll backed by a non-blank row).
// 7. A screen may have scrolled lines off its top when its cursor is on the bottom row, or,
//    without a cursor, when it has any text (blank rows at the bottom may be blank lines).
//    The first screen a tracker sees is written from its first non-blank row (as is every
//    screen after a gap line), after a gap line if it may have scrolled.
// 8. The open line is reported with its spaces up to the cursor when the cursor is on its
//    row (a prompt `# ` keeps its space, as on serial); while screens are held, it is the
//    newest one's. Final lines are trimmed.
// 9. flush(): the source ended; the held screens are taken (rule 5), then the open line is
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

// Line breaks and other controls: the glass log is one line per line, so none may be in
// one. The reader never reads them off the glass, but a cell holds whatever a font's
// unicode table says (--font FILE).
const BREAKS = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

export function gapLine(what: string): string {
	return `${GAP_PREFIX}${what.replace(BREAKS, ' ')}]`;
}

/** A row's text: its characters, trailing spaces trimmed, controls as U+FFFD. */
export function rowText(cells: readonly { ch: string }[]): string {
	// Trim on the cells first: most of a console row is blank, and this is most of the tracker's time.
	let end = cells.length;
	while (end > 0 && cells[end - 1].ch === ' ') end--;
	let s = '';
	for (let i = 0; i < end; i++) s += cells[i].ch;
	BREAKS.lastIndex = 0;
	if (BREAKS.test(s)) s = s.replace(BREAKS, '\uFFFD');
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

/** Rule 5: how many screens may wait to be judged before the oldest is taken as real. */
const MAX_HELD = 3;

/** What a screen means after the last explained one: a scroll by d (or none fits), and whether rule 3's note applies. */
interface Plan {
	d: number | undefined;
	note: boolean;
}

function plan(prev: Seen, f: Frame, scrolled: number | undefined): Plan {
	const ds = fitting(prev, f);
	if (ds.length === 0) return { d: undefined, note: false };
	const hinted = scrolled !== undefined && ds.includes(scrolled) ? scrolled : undefined;
	// Rule 3. Periodic: a second alignment fits whose period is at most half the overlap,
	// that is, the overlapping rows hold the same block at least twice over.
	const periodic = ds.length > 1 && ds[1] - ds[0] <= (prev.open - ds[0]) / 2;
	const note = hinted === undefined && periodic && f.full && !sameRows(f.rows, prev.frame.rows);
	return { d: hinted ?? ds[0], note };
}

/**
 * Rule 5: after a gap, the new screen's top rows that are the last lines already written
 * (the overlap was there, but a row further down broke it) are not written again.
 */
function repeatedTop(prev: Seen, f: Frame): number {
	const old = prev.frame.rows.slice(0, prev.open);
	for (let k = Math.min(old.length, f.ext); k > 0; k--) {
		let same = true;
		let text = false;
		for (let i = 0; i < k && same; i++) {
			same = f.rows[i] === old[old.length - k + i];
			if (f.rows[i] !== '') text = true;
		}
		if (same && text) return k;
	}
	return 0;
}

/** Rule 5: a held screen shows nothing but rows of the screens around it (or unreadable rows). */
function covered(h: Frame, a: Frame, b: Frame): boolean {
	const around = [...new Set([...a.rows, ...b.rows])];
	return h.rows.every((r) => r === '' || r.includes('\uFFFD') || around.includes(r) || spliced(r, around));
}

/**
 * Rule 5: a row caught while the guest was redrawing it: each of its characters is the one
 * one row of the screens around it has in that column, or the one another row has (Linux's
 * fbcon redraws only the glyphs that differ, so the mix need not be a prefix and a suffix).
 */
function spliced(r: string, rows: readonly string[]): boolean {
	const at = (s: string, c: number) => (c < s.length ? s[c] : ' ');
	for (let i = 0; i < rows.length; i++) {
		const x = rows[i];
		for (let j = i + 1; j < rows.length; j++) {
			const y = rows[j];
			const n = Math.max(r.length, x.length, y.length);
			let ok = true;
			for (let c = 0; c < n && ok; c++) {
				const ch = at(r, c);
				ok = ch === at(x, c) || ch === at(y, c);
			}
			if (ok) return true;
		}
	}
	return false;
}

export class ScrollTracker {
	private seen: Seen | undefined;
	/** Rule 5: screens not judged yet, oldest first. */
	private held: Frame[] = [];

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
		if (hint?.discontinuity || f.rows.length !== prev.frame.rows.length || f.cols !== prev.frame.cols) {
			// Rule 6: what was held before the break is judged now, as if the source ended.
			this.resolve(out, true);
			if (this.broken(out, f)) return this.result(out);
		}
		this.held.push(f);
		this.resolve(out, false);
		return this.result(out);
	}

	flush(): string[] {
		const out: string[] = [];
		if (this.seen) this.resolve(out, true);
		const prev = this.seen;
		this.seen = undefined;
		this.held = [];
		if (prev && prev.frame.rows[prev.open] !== '') out.push(prev.frame.rows[prev.open]);
		return out;
	}

	/** Rule 6: a screen after a discontinuity or of another size; true when it was taken (with a gap line). */
	private broken(out: string[], f: Frame): boolean {
		const prev = this.seen!;
		const old = prev.frame;
		const R = f.rows.length;
		if (R !== old.rows.length || f.cols !== old.cols) {
			this.finishOpen(out, prev, f);
			out.push(gapLine(`gap: ${f.hint?.discontinuity ?? `screen size changed from ${old.cols}x${old.rows.length} to ${f.cols}x${R}`}`));
			this.page(out, f);
			return true;
		}
		// Continuity across it only when the screens overlap exactly.
		const ds = fitting(prev, f);
		const exact = sameRows(f.rows, old.rows) || (ds.length === 1 && (ds[0] > 0 || old.rows.slice(0, prev.open).some((r) => r !== '')));
		if (exact) return false;
		this.finishOpen(out, prev, f);
		out.push(gapLine(`gap: ${f.hint!.discontinuity}`));
		this.page(out, f);
		return true;
	}

	/** The CopyRects' scroll from held screen i (exclusive; -1: the last explained one) to held screen j. */
	private scrolledBetween(i: number, j: number): number | undefined {
		let sum = 0;
		for (let k = i + 1; k <= j; k++) {
			const s = this.held[k].hint?.scrolled;
			if (s === undefined) return undefined;
			sum += s;
		}
		return sum;
	}

	/**
	 * Rule 5: judge the held screens. The latest one that continues the last explained
	 * screen surely is taken, and those before it (caught mid-scroll, or simply passed over)
	 * are dropped when they show nothing else. Otherwise the oldest is taken as real once a
	 * later screen continues it surely, or once it was seen twice. When too many wait, or the
	 * source ends (`all`), the newest is reached through the held ones that explain it best.
	 */
	private resolve(out: string[], all: boolean): void {
		while (this.held.length > 0) {
			const prev = this.seen!;
			const q = this.held;
			let taken = false;
			for (let j = q.length - 1; j >= 0 && !taken; j--) {
				const f = q[j];
				const p = plan(prev, f, this.scrolledBetween(-1, j));
				if (p.d === undefined) continue;
				const stable = j + 1 < q.length && sameRows(q[j + 1].rows, f.rows);
				if (unsure(prev, f, p.d) && !stable) continue;
				if (!q.slice(0, j).every((h) => covered(h, prev.frame, f))) continue;
				this.take(out, prev, f, p);
				this.held = q.slice(j + 1);
				taken = true;
			}
			if (taken) continue;
			const f = q[0];
			const p = plan(prev, f, this.scrolledBetween(-1, 0));
			const after: Seen = { frame: f, open: p.d === undefined ? f.ext : Math.max(f.ext, prev.open - p.d) };
			// A later screen that continues the one before it directly (if unsure) would make it
			// a screen caught mid-scroll: then only time (or its being seen twice) tells.
			const skippable = q.slice(1).some((g, k) => plan(prev, g, this.scrolledBetween(-1, k + 1)).d !== undefined && covered(f, prev.frame, g));
			const continued = !skippable && q.slice(1).some((g, k) => {
				const gp = plan(after, g, this.scrolledBetween(0, k + 1));
				return gp.d !== undefined && !unsure(after, g, gp.d);
			});
			const stable = q.length > 1 && sameRows(q[1].rows, f.rows);
			if (continued || stable) {
				this.take(out, prev, f, p);
				this.held = q.slice(1);
				continue;
			}
			if (!all && q.length <= MAX_HELD) return;
			const chain = this.chain();
			if (chain) {
				let s = prev;
				let from = -1;
				for (const j of chain) {
					this.take(out, s, q[j], plan(s, q[j], this.scrolledBetween(from, j)));
					s = this.seen!;
					from = j;
				}
				this.held = q.slice(chain.at(-1)! + 1);
			} else {
				this.take(out, prev, f, p);
				this.held = q.slice(1);
			}
		}
	}

	/**
	 * The held screens (indexes) to take, in order, reached from the last explained one by
	 * scrolls and passing over screens that show nothing else: the fewest unsure scrolls,
	 * then the furthest, then the fewest screens. Undefined when no held screen is reached.
	 */
	private chain(): number[] | undefined {
		const q = this.held;
		let best: { idx: number[]; unsure: number } | undefined;
		for (let end = q.length - 1; end >= 0; end--) {
			for (let mask = 0; mask < 1 << end; mask++) {
				const idx = [...Array(end).keys()].filter((i) => mask & (1 << i)).concat(end);
				let s = this.seen!;
				let from = -1;
				let bad = 0;
				let ok = true;
				for (const j of idx) {
					const f = q[j];
					const p = plan(s, f, this.scrolledBetween(from, j));
					if (p.d === undefined || !q.slice(from + 1, j).every((h) => covered(h, s.frame, f))) {
						ok = false;
						break;
					}
					if (unsure(s, f, p.d)) bad++;
					s = { frame: f, open: Math.max(f.ext, s.open - p.d) };
					from = j;
				}
				const better = !best || bad < best.unsure || (bad === best.unsure && end > best.idx.at(-1)!) || (bad === best.unsure && end === best.idx.at(-1)! && idx.length < best.idx.length);
				if (ok && better) best = { idx, unsure: bad };
			}
		}
		return best?.idx;
	}

	/** A held screen taken as real: a scroll (rule 4) or, with none, as it is. */
	private take(out: string[], prev: Seen, f: Frame, p: Plan): void {
		if (p.d === undefined) {
			this.unexplained(out, prev, f, f.hint?.scrolled);
			return;
		}
		if (p.note) out.push(gapLine('repeated rows make the scroll ambiguous: identical lines may have scrolled by unseen'));
		this.scroll(out, prev, f, p.d);
	}

	/** Rule 4: the old open line and the rows below it down to the new open row are final. */
	private scroll(out: string[], prev: Seen, f: Frame, d: number): void {
		const from = prev.open - d;
		const open = Math.max(f.ext, from);
		for (let i = from; i < open; i++) out.push(f.rows[i]);
		this.seen = { frame: f, open };
	}

	/** Rule 5: a screen no scroll explains, taken as it is: a gap, or a clear or redraw. */
	private unexplained(out: string[], prev: Seen, f: Frame, reported: number | undefined): void {
		const old = prev.frame;
		let kept = 0;
		let written = 0;
		for (let i = 0; i < f.ext; i++) {
			if (f.rows[i] === '') continue;
			written++;
			if (i < prev.open && f.rows[i] === old.rows[i]) kept++;
		}
		const scrolled = (reported ?? 0) > 0;
		if (scrolled || (f.full && (kept === 0 || kept * 2 < written))) {
			this.finishOpen(out, prev, f);
			out.push(gapLine(f.cursor === undefined && !scrolled ? 'no overlap with the previous screen and no cursor: lines may have scrolled by unseen' : 'more than a screen scrolled by unseen'));
			this.page(out, f, repeatedTop(prev, f));
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
	private page(out: string[], f: Frame, from = 0): void {
		let i = from;
		while (i < f.ext && f.rows[i] === '') i++;
		for (; i < f.ext; i++) out.push(f.rows[i]);
		this.seen = { frame: f, open: f.ext };
	}

	/** The lines, and the open line: the newest held screen's if one is held (it is what the glass shows). */
	private result(lines: string[]): TrackerOutput {
		const held = this.held.at(-1);
		const f = held ?? this.seen!.frame;
		const open = held ? held.ext : this.seen!.open;
		const text = f.rows[open] ?? '';
		// Rule 8: a prompt's trailing space is shown by the cursor after it.
		const padded = f.cursor === open && f.cursorCol > text.length ? text.padEnd(f.cursorCol) : text;
		return { lines, open: padded };
	}
}

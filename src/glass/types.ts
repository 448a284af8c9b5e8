// The glass console's shared shapes: what the RFB client keeps (a framebuffer and the
// rectangles an update touched), what the glyph reader makes of it (a grid of cells), and
// what the scroll tracker turns a sequence of grids into (an append-only line stream).
//
// Everything under src/glass/ is pure: no I/O, no timers. The daemon (src/devices/glass.ts)
// wires RFB -> reader -> tracker -> the glass log; `obsdtui glass read` runs the same code
// over saved screenshots.

/** A framebuffer: one 0xRRGGBB value per pixel, rows top to bottom. */
export interface Pixels {
	width: number;
	height: number;
	data: Uint32Array;
}

/** A rectangle of the framebuffer that an update changed. */
export interface Rect {
	x: number;
	y: number;
	w: number;
	h: number;
	/** A CopyRect: the pixels were moved here from (x, y) (a scroll, usually). */
	from?: { x: number; y: number };
}

/** One glyph font: `count` glyphs of `width` x `height`, one bit per pixel. */
export interface Font {
	/** e.g. "spleen-8x16", or a file's base name for --font FILE. */
	name: string;
	width: number;
	height: number;
	/** Bytes per glyph row: ceil(width / 8); a glyph is height * stride bytes. */
	stride: number;
	/** All glyph bitmaps, glyph after glyph, MSB first within a byte. */
	bitmaps: Uint8Array;
	/** The character(s) each glyph draws (a PSF unicode table); glyph i -> chars[i] ('' if none). */
	chars: string[];
}

/** One character cell read off the glass. */
export interface Cell {
	/** The character, ' ' for a blank cell, U+FFFD where no glyph matched. */
	ch: string;
	/** Foreground and background, 0xRRGGBB. For a blank cell fg === bg. */
	fg: number;
	bg: number;
}

/** The text grid found in one framebuffer. */
export interface GlassScreen {
	font: string;
	cellWidth: number;
	cellHeight: number;
	/** Pixel position of the grid's top-left cell (rasops centres the text area). */
	x: number;
	y: number;
	cols: number;
	rows: number;
	/** rows x cols cells, row-major. */
	cells: Cell[][];
	/** Cells that matched no glyph (each is U+FFFD in `cells`). */
	unknown: number;
	/** The cell drawn inverted (the cursor), if one was seen. */
	cursor?: { row: number; col: number };
}

/** What the tracker knows about how the frame it is given follows the previous one. */
export interface FrameHint {
	/** Rows the text area moved up since the last frame, when an update's CopyRects prove it. */
	scrolled?: number;
	/**
	 * Continuity cannot be proved (the daemon was not watching, the RFB connection was
	 * new, the resolution changed): the tracker writes a gap line before this frame's text
	 * unless the frames overlap exactly. The string says why, e.g. "daemon restarted".
	 */
	discontinuity?: string;
}

/** The tracker's output for one frame. */
export interface TrackerOutput {
	/** Lines that became final, in order; gap lines are "[glass: ...]". */
	lines: string[];
	/** The line being written now (not final: it may still grow), '' if none. */
	open: string;
}

// Where things go on the viewer's terminal. The guest screen has a fixed size that the
// viewer's window does not change (a serial line carries no SIGWINCH), so the pane shows
// the whole guest when it fits and a window onto it otherwise; never a re-wrapped copy.

/** The side column needs at least this much room, or it collapses. */
export const SIDE_MIN = 28;
const SIDE_MAX = 44;

export interface Layout {
	/** Columns and rows of the console pane (at most the guest size). */
	paneWidth: number;
	paneHeight: number;
	/** 0 when the side column is collapsed. */
	sideWidth: number;
}

export function computeLayout(width: number, height: number, guestCols: number, guestRows: number, panels: boolean): Layout {
	const body = Math.max(1, height - 1); // the status line
	let sideWidth = 0;
	// A 1-column gap separates pane and side column.
	if (panels && width - guestCols - 1 >= SIDE_MIN) sideWidth = Math.min(SIDE_MAX, width - guestCols - 1);
	return {
		paneWidth: Math.max(1, Math.min(guestCols, width - (sideWidth ? sideWidth + 1 : 0))),
		paneHeight: Math.max(1, Math.min(guestRows, body)),
		sideWidth,
	};
}

/**
 * The first guest column and row shown when the pane is smaller than the guest: the
 * cursor stays visible, and when it fits everything starts at 0.
 */
export function viewportOrigin(paneWidth: number, paneHeight: number, cursor: { x: number; y: number }): { x: number; y: number } {
	return {
		x: cursor.x >= paneWidth ? cursor.x - paneWidth + 1 : 0,
		y: cursor.y >= paneHeight ? cursor.y - paneHeight + 1 : 0,
	};
}

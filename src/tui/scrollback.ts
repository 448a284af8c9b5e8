// The frozen view onto the console's past (prefix `[`): moving, searching, and for a live
// VM the whole boot read from its log file, since the viewer's own screen only holds
// what the daemon's snapshot carried plus what arrived since.
import type { ColorDepth } from '../term/colors.ts';
import { loadHistory } from '../term/history.ts';
import type { GuestScreen, Match } from '../term/screen.ts';
import { errorMessage } from '../common/errors.ts';
import type { Key } from './keys.ts';

export interface ScrollbackHost {
	paneHeight(): number;
	changed(): void;
	say(text: string): void;
}

export class Scrollback {
	top = 0;
	query?: string;
	match?: Match;
	/** The whole boot from the VM's log, once read; until then the live screen. */
	private history?: GuestScreen;
	private loading = false;
	private closed = false;

	constructor(
		private live: GuestScreen,
		private host: ScrollbackHost,
	) {
		this.top = this.clamp(Infinity, host.paneHeight());
	}

	get hasHistory(): boolean {
		return this.history !== undefined;
	}

	private get screen(): GuestScreen {
		return this.history ?? this.live;
	}

	/** Reads the whole boot from `log`; the view moves to its end when it is there. */
	readLog(log: string, opts: { text?: boolean } = {}): void {
		this.loading = true;
		loadHistory(log, this.live.cols, this.live.rows, opts).then(
			(history) => {
				this.loading = false;
				if (this.closed) return history.dispose();
				this.history = history;
				this.match = undefined;
				this.top = this.clamp(Infinity, this.host.paneHeight());
				if (this.query) this.find('up');
				this.host.changed();
			},
			(err: unknown) => {
				this.loading = false;
				this.host.say(`scrollback holds only what this view received: ${errorMessage(err)}`);
			},
		);
	}

	close(): void {
		this.closed = true;
		this.history?.dispose();
		this.history = undefined;
	}

	private clamp(top: number, paneHeight: number): number {
		const s = this.screen;
		return Math.max(0, Math.min(top, s.base + s.rows - paneHeight));
	}

	/** Handles a key; returns 'search' to open the search prompt, 'leave' to close. */
	key(k: Key): 'stay' | 'search' | 'leave' {
		const h = this.host.paneHeight();
		const ch = k.name === 'char' ? k.char : '';
		if (k.name === 'up' || ch === 'k') this.top--;
		else if (k.name === 'down' || ch === 'j') this.top++;
		else if (k.name === 'pageup' || ch === 'b') this.top -= h - 1;
		else if (k.name === 'pagedown' || ch === ' ' || ch === 'f') this.top += h - 1;
		else if (k.name === 'home' || ch === 'g') this.top = 0;
		else if (k.name === 'end' || ch === 'G') this.top = Infinity;
		else if (ch === '/') return 'search';
		else if (ch === 'n') this.find('up');
		else if (ch === 'N') this.find('down');
		else if (ch === 'q' || k.name === 'escape' || k.name === 'ctrl-c' || k.name === 'prefix') return 'leave';
		this.top = this.clamp(this.top, h);
		return 'stay';
	}

	search(query: string): void {
		this.query = query;
		this.match = undefined;
		this.find('up');
	}

	/** The next hit of the query, older ('up') or newer ('down') than the last one. */
	find(direction: 'up' | 'down'): void {
		if (!this.query) return;
		const h = this.host.paneHeight();
		const from = this.match ? this.match.line + (direction === 'up' ? -1 : 1) : direction === 'up' ? this.top + h - 1 : this.top;
		const m = this.screen.search(this.query, from, direction);
		if (!m) {
			this.host.say(`no ${this.match ? 'more ' : ''}match for "${this.query}" ${direction === 'up' ? 'above' : 'below'}`);
			return;
		}
		this.match = m;
		if (m.line < this.top || m.line >= this.top + h) this.top = this.clamp(m.line - Math.floor(h / 2), h);
	}

	/** The pane's rows and the status text for a pane of this size. */
	render(width: number, height: number, depth: ColorDepth): { lines: string[]; status: string } {
		const s = this.screen;
		this.top = this.clamp(this.top, height);
		const lines: string[] = [];
		for (let y = 0; y < height; y++) {
			const line = this.top + y;
			lines.push(s.renderLine(line, 0, width, depth, this.match?.line === line ? this.match : undefined));
		}
		const below = s.base + s.rows - (this.top + height);
		return { lines, status: `scrollback: ${below} lines below${this.loading ? ' (reading the log)' : ''}` };
	}
}

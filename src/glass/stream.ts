// The glass console as viewers receive it is a terminal stream the daemon writes
// (src/daemon/glass.ts): each final line as "\r\x1b[K" LINE "\r\n", and the line being
// written as "\r\x1b[K" OPEN, redrawn whenever it changes. This turns that stream back
// into plain text for code that reads a console as text (ddb --collect on the glass):
// final lines end in "\n", and the open line is given as it grows, like a serial line.

const REDRAW = '\r\x1b[K';

export class GlassStreamDecoder {
	private pending = '';
	/** The open line as last seen, and how much of it has been given out. */
	private open = '';
	private given = '';

	/** Text to append to a console transcript. */
	push(bytes: Buffer | string): string {
		this.pending += typeof bytes === 'string' ? bytes : bytes.toString('utf8');
		let out = '';
		for (;;) {
			if (!this.pending.startsWith(REDRAW)) {
				// Not ours (or cut mid-marker): wait for the rest of a marker, drop anything else.
				const at = this.pending.indexOf(REDRAW);
				if (at < 0) {
					if (!REDRAW.startsWith(this.pending)) this.pending = '';
					break;
				}
				this.pending = this.pending.slice(at);
			}
			const body = this.pending.slice(REDRAW.length);
			const nl = body.indexOf('\r\n');
			const next = body.indexOf(REDRAW);
			if (nl >= 0 && (next < 0 || nl < next)) {
				out += this.finish(body.slice(0, nl));
				this.pending = body.slice(nl + 2);
				continue;
			}
			// The open line: everything up to the next marker, or all of it for now.
			this.open = next < 0 ? body : body.slice(0, next);
			if (next < 0) break;
			this.pending = body.slice(next);
		}
		if (this.open.startsWith(this.given)) {
			out += this.open.slice(this.given.length);
			this.given = this.open;
		}
		return out;
	}

	private finish(line: string): string {
		let out: string;
		if (this.given && line.startsWith(this.given)) out = line.slice(this.given.length) + '\n';
		else out = (this.given ? '\n' : '') + line + '\n';
		this.given = '';
		this.open = '';
		return out;
	}
}

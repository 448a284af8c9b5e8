// The whole boot for scrollback and search: a live viewer's screen only holds what the
// daemon's snapshot carried plus what arrived since, but the log file (same user, same
// machine) holds every byte. Replaying its tail into a screen with a deep scrollback
// gives the whole boot.
import { open } from 'node:fs/promises';
import { GuestScreen } from './screen.ts';

/** More than any boot's console; a bigger log is read from this far before its end. */
const MAX_BYTES = 8 * 1024 * 1024;
const SCROLLBACK = 200000;

/** `text`: the file is plain lines (the glass stream), not terminal output: LF starts a new line. */
export async function loadHistory(path: string, cols: number, rows: number, opts: { text?: boolean } = {}): Promise<GuestScreen> {
	const f = await open(path, 'r');
	try {
		const { size } = await f.stat();
		const start = Math.max(0, size - MAX_BYTES);
		const buf = Buffer.alloc(size - start);
		await f.read(buf, 0, buf.length, start);
		const screen = new GuestScreen(cols, rows, SCROLLBACK);
		// Feed in pieces: xterm refuses more than 50 MB pending, and pieces keep it fair.
		const data = opts.text ? Buffer.from(buf.toString('utf8').replace(/\n/g, '\r\n'), 'utf8') : buf;
		for (let i = 0; i < data.length; i += 1 << 20) screen.write(data.subarray(i, i + (1 << 20)));
		await screen.flush();
		return screen;
	} finally {
		await f.close();
	}
}

// The guest parser over console logs on disk, streaming. A log may grow to its cap
// (4 GiB by default), and Node refuses to read a file over 2 GiB into one buffer: so
// nothing here holds more than a piece of the log, plus what the parser keeps (it is
// bounded) and the few lines a report quotes. `scan` reads files the same way.
import { open } from 'node:fs/promises';
import { UserError, errorMessage } from '../common/errors.ts';
import { GuestParser, dmesgRange, reportLines, sendbugReport, stripCrlf, type GuestSummary, type ReportInput } from '../guest/index.ts';

const CHUNK = 1 << 20;
/** A report quotes about 220 console lines; a line that is a megabyte long is cut. */
const MAX_QUOTED = 1 << 20;

/**
 * Calls `fn` with bytes [start, end) of a file in pieces of at most 1 MiB, in order, until
 * it returns false. Asynchronous, so a TUI stays responsive while a big log is read.
 */
export async function forEachLogChunk(path: string, fn: (chunk: Buffer, offset: number) => boolean | void, start = 0, end = Infinity): Promise<void> {
	let f;
	try {
		f = await open(path, 'r');
	} catch (err) {
		// `EACCES: permission denied, open '/x'` -> `/x: permission denied`
		throw new UserError(`${path}: ${errorMessage(err).replace(/^[A-Z]+: /, '').replace(/, \w+(?: .*)?$/, '')}`);
	}
	try {
		const buf = Buffer.allocUnsafe(CHUNK);
		for (let pos = start; pos < end; ) {
			const { bytesRead } = await f.read(buf, 0, Math.min(CHUNK, end - pos), pos);
			if (bytesRead <= 0) break;
			if (fn(buf.subarray(0, bytesRead), pos) === false) break;
			pos += bytesRead;
		}
	} finally {
		await f.close();
	}
}

/** Bytes [start, end) of a file, clamped to what it holds (for small, known ranges). */
export async function readRange(path: string, start: number, end: number): Promise<Buffer> {
	const parts: Buffer[] = [];
	await forEachLogChunk(path, (c) => void parts.push(Buffer.from(c)), start, end);
	return Buffer.concat(parts);
}

export async function scanLogFile(path: string): Promise<GuestSummary> {
	const p = new GuestParser({ events: false });
	await forEachLogChunk(path, (c) => void p.push(c, 0));
	p.end();
	return p.summary();
}

/** Lines first..last (1-based, LF-counted, as the parser numbers them), at most 1 MiB. */
export async function logLines(path: string, first: number, last: number): Promise<Buffer> {
	let line = 1;
	let start = first <= 1 ? 0 : -1;
	let end = -1;
	await forEachLogChunk(path, (chunk, offset) => {
		for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
			line++; // the line that starts after this LF
			if (line === first) start = offset + i + 1;
			if (line === last + 1) {
				end = offset + i + 1;
				return false;
			}
		}
	});
	if (start < 0) return Buffer.alloc(0);
	return readRange(path, start, end < 0 ? start + MAX_QUOTED : Math.min(end, start + MAX_QUOTED));
}

/** The kernel messages of one boot of a log file (see src/guest/dmesg.ts). */
export async function dmesgOfLogFile(path: string, boot: number | 'last'): Promise<Buffer> {
	const r = dmesgRange(await scanLogFile(path), boot);
	return stripCrlf(await readRange(path, r.start, r.end));
}

/** sendbugReport() of a log file: its summary, then only the lines the report quotes. */
export async function reportOfLogFile(path: string, input: Omit<ReportInput, 'log' | 'summary' | 'lines'>): Promise<string> {
	const summary = await scanLogFile(path);
	const quoted = reportLines(summary, input);
	const lines = quoted ? { first: quoted.first, bytes: await logLines(path, quoted.first, quoted.last) } : undefined;
	return sendbugReport({ ...input, summary, lines });
}

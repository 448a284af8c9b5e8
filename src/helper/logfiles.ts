// The helper's per-boot files in a VM directory (docs/helper-protocol.md, "Files"):
//   boot.NNN.log   raw console bytes, append-only
//   boot.NNN.idx   one record per line: t OFFSET MS | a OFFSET MS TEXT | e OFFSET MS JSON
// and the daemon's glass stream of the same boot (docs/glass.md):
//   boot.NNN.glass      the framebuffer console read as text, one line per line, UTF-8
//   boot.NNN.glass.idx  the same record format, offsets into the .glass file
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';

export type IndexRecord =
	| { kind: 't'; offset: number; ms: number }
	| { kind: 'a'; offset: number; ms: number; text: string }
	| { kind: 'e'; offset: number; ms: number; json: Record<string, unknown> };

function pad(boot: number): string {
	return String(boot).padStart(3, '0');
}

export function bootLogPath(vmDir: string, boot: number): string {
	return join(vmDir, `boot.${pad(boot)}.log`);
}

export function bootIndexPath(vmDir: string, boot: number): string {
	return join(vmDir, `boot.${pad(boot)}.idx`);
}

export function bootGlassPath(vmDir: string, boot: number): string {
	return join(vmDir, `boot.${pad(boot)}.glass`);
}

export function bootGlassIndexPath(vmDir: string, boot: number): string {
	return join(vmDir, `boot.${pad(boot)}.glass.idx`);
}

/** Boot numbers that have a log, ascending. */
export function listBoots(vmDir: string): number[] {
	if (!existsSync(vmDir)) return [];
	const boots: number[] = [];
	for (const f of readdirSync(vmDir)) {
		const m = /^boot\.(\d{3,})\.log$/.exec(f);
		if (m) boots.push(Number(m[1]));
	}
	return boots.sort((a, b) => a - b);
}

export function nextBoot(vmDir: string): number {
	const boots = listBoots(vmDir);
	return boots.length ? boots[boots.length - 1] + 1 : 1;
}

const RECORD_RE = /^([tae]) (\d+) (\d+)(?: (.*))?$/;

/**
 * Parse an index. The helper may be writing it right now: a last line without its newline
 * is not a record yet. Lines that do not parse (a torn write after a crash) are skipped.
 */
export function readIndex(path: string): IndexRecord[] {
	const text = readFileSync(path, 'utf8');
	const lines = text.split('\n');
	lines.pop();
	const out: IndexRecord[] = [];
	for (const line of lines) {
		const m = RECORD_RE.exec(line);
		if (!m) continue;
		const offset = Number(m[2]);
		const ms = Number(m[3]);
		const rest = m[4];
		if (m[1] === 't') {
			if (rest === undefined) out.push({ kind: 't', offset, ms });
		} else if (m[1] === 'a') {
			out.push({ kind: 'a', offset, ms, text: rest ?? '' });
		} else if (rest !== undefined) {
			try {
				const json: unknown = JSON.parse(rest);
				if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
					out.push({ kind: 'e', offset, ms, json: json as Record<string, unknown> });
				}
			} catch {
				// a torn record
			}
		}
	}
	return out;
}

/** Bytes [start, end) of a log, clamped to what the file holds. */
export function readLogRange(path: string, start: number, end: number): Buffer {
	const fd = openSync(path, 'r');
	try {
		const size = fstatSync(fd).size;
		const stop = Math.min(end, size);
		if (stop <= start) return Buffer.alloc(0);
		const buf = Buffer.allocUnsafe(stop - start);
		let got = 0;
		while (got < buf.length) {
			const n = readSync(fd, buf, got, buf.length - got, start + got);
			if (n <= 0) break;
			got += n;
		}
		return buf.subarray(0, got);
	} finally {
		closeSync(fd);
	}
}

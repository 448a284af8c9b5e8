// The kernel messages of one boot, as /var/run/dmesg.boot would hold them: from the
// copyright lines (or the version line when the log starts there) through the last
// kernel line before userland, a crash or shutdown. The bytes are the log's own; only
// the CR of CRLF line ends is dropped, because the tty layer added it, not the kernel.
import { UserError } from '../common/errors.ts';
import { scanBytes } from './parser.ts';
import type { GuestSummary } from './types.ts';

export function dmesgRange(summary: GuestSummary, boot: number | 'last'): { start: number; end: number } {
	const withDmesg = summary.boots.filter((b) => b.dmesgRange !== null);
	if (withDmesg.length === 0) throw new UserError('no kernel banner in this log, so there is no dmesg');
	const b = boot === 'last' ? withDmesg.at(-1) : summary.boots.find((x) => x.boot === boot);
	if (!b) throw new UserError(`no boot ${boot} in this log (it has ${summary.boots.length})`);
	if (!b.dmesgRange) throw new UserError(`boot ${boot} has no kernel banner, so there is no dmesg`);
	return b.dmesgRange;
}

export function extractDmesg(bytes: Uint8Array, boot: number | 'last'): Buffer {
	const r = dmesgRange(scanBytes(bytes), boot);
	const slice = Buffer.from(bytes.buffer, bytes.byteOffset + r.start, r.end - r.start);
	return stripCrlf(slice);
}

/** The dmesg's bytes as read from its range of the log: the CR of CRLF dropped. */
export function stripCrlf(buf: Buffer): Buffer {
	if (buf.indexOf(13) < 0) return Buffer.from(buf);
	const out = Buffer.allocUnsafe(buf.length);
	let n = 0;
	for (let i = 0; i < buf.length; i++) {
		if (buf[i] === 13 && buf[i + 1] === 10) continue;
		out[n++] = buf[i];
	}
	return out.subarray(0, n);
}

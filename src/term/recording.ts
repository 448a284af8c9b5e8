// A recorded console to play back as a read-only VM (`obsdtui replay`, `obsdtui demo`):
// either an asciicast (with its own timings) or a plain console log, which has none and is
// paced like the 115200-baud serial line it most likely came from.
import { isAsciicast, parseAsciicast } from './asciicast.ts';

/** A 115200-baud 8N1 line carries 11520 bytes per second. */
export const SERIAL_BYTES_PER_SECOND = 11520;

export interface Recording {
	cols: number;
	rows: number;
	timed: boolean;
	/** Output in order; `t` is seconds since the start. */
	chunks: { t: number; data: Buffer }[];
}

export function loadRecording(file: Buffer, cols = 80, rows = 24): Recording {
	const head = file.subarray(0, 4096).toString('utf8');
	if (isAsciicast(head)) {
		const cast = parseAsciicast(file.toString('utf8'));
		return {
			cols: cast.cols,
			rows: cast.rows,
			timed: true,
			chunks: cast.events.map((e) => ({ t: e.t, data: Buffer.from(e.data, 'utf8') })),
		};
	}
	return { cols, rows, timed: false, chunks: paceSerial(fixLineEnds(file)) };
}

// A raw capture has CR LF (the guest's tty adds the CR). A log saved as a text file
// has bare LF, which a terminal draws as a staircase.
function fixLineEnds(file: Buffer): Buffer {
	if (file.includes(0x0d)) return file;
	return Buffer.from(file.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
}

// Line by line (long lines in pieces), each piece timed by when its first byte would
// arrive on the serial line.
function paceSerial(bytes: Buffer): Recording['chunks'] {
	const chunks: Recording['chunks'] = [];
	let start = 0;
	while (start < bytes.length) {
		const nl = bytes.indexOf(0x0a, start);
		let end = nl < 0 ? bytes.length : nl + 1;
		end = Math.min(end, start + 512);
		chunks.push({ t: start / SERIAL_BYTES_PER_SECOND, data: bytes.subarray(start, end) });
		start = end;
	}
	return chunks;
}

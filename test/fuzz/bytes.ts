// Byte-stream arbitraries shared by the fuzz tests: random bytes mixed with the pieces of
// terminal and console syntax that random bytes almost never hit (ESC [, OSC, UTF-8 C1
// controls, CR LF), cut into chunks at random places as reads from a socket are.
import fc from 'fast-check';

const PIECES = [
	'\x1b',
	'\x1b[',
	'\x1b]',
	'\x1bP',
	'\x1b\\',
	'\x1b(',
	'\x1b)0',
	'\x1b#8',
	'\x1bc',
	'[',
	'?',
	';',
	':',
	'0',
	'1',
	'2',
	'3',
	'4',
	'6',
	'7',
	'12',
	'25',
	'1049',
	'h',
	'l',
	'm',
	'J',
	'K',
	'H',
	's',
	'u',
	't',
	'n',
	'c',
	'q',
	'T',
	' ',
	'"',
	'$',
	'>',
	'=',
	'\x07',
	'\x18',
	'\x1a',
	'\x7f',
	'\x00',
	'\x05',
	'\r',
	'\n',
	'\r\n',
	'\t',
	'\x08',
	'\xc2\x9b',
	'\xc2\x9d',
	'\xc2\x90',
	'\xc2\x9c',
	'\xc2',
	'\xe2\x94',
	'\xe2\x94\x80',
	'\xf0\x9f\x98\x80',
	'\xed\xa0\x80',
	'\xff',
	'\xfe',
	'\x9b',
	'\x9d',
	'login: ',
	'panic: ',
	'ddb{0}> ',
	'OpenBSD 7.6',
	'syncing disks...',
	'# ',
	'\x1b[2J\x1b[H',
	'\x1b[?25l',
	'\x1b]0;title\x07',
	'\x1b]52;c;aGk=\x07',
];

export const piece = fc.constantFrom(...PIECES.map((p) => Buffer.from(p, 'latin1')));

/** A byte stream: random bytes and syntax pieces, concatenated. */
export const stream = (maxPieces = 200): fc.Arbitrary<Buffer> =>
	fc
		.array(fc.oneof({ weight: 2, arbitrary: piece }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) }), { maxLength: maxPieces, size: 'large' })
		.map((parts) => Buffer.concat(parts));

/** The same bytes cut into chunks at the given (sorted, deduplicated) places. */
export function cut(buf: Buffer, at: number[]): Buffer[] {
	const points = [...new Set(at.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
	const out: Buffer[] = [];
	let from = 0;
	for (const p of points) {
		out.push(buf.subarray(from, p));
		from = p;
	}
	out.push(buf.subarray(from));
	return out;
}

/** A stream with the places to cut it. */
export const chunked = (maxPieces = 200): fc.Arbitrary<Buffer[]> => fc.tuple(stream(maxPieces), fc.array(fc.nat(), { maxLength: 20 })).map(([b, at]) => cut(b, at));

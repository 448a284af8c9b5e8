// signify(1)'s formats and checks, in TypeScript: public keys, signatures, the embedded
// form (`signify -S -e`, how OpenBSD signs SHA256 into SHA256.sig) and the SHA256 list.
// Pure code, no I/O: everything here works on bytes that came from somewhere untrusted.
//
// A key or signature file is two lines:
//   untrusted comment: <text>\n
//   base64( "Ed" | key number (8 bytes) | Ed25519 public key (32) or signature (64) )\n
// An embedded signature file is the same two lines followed by the signed message itself.
// The comment is, as its name says, untrusted: trust comes only from the key number
// matching a key we already hold and the Ed25519 signature verifying with that key.
import { createHash, createPublicKey, verify as cryptoVerify } from 'node:crypto';

export const COMMENT_PREFIX = 'untrusted comment: ';
// signify.c: COMMENTMAXLEN 1024 (with its prefix and NUL).
const COMMENT_MAX = 1024;
const PKALG = 'Ed';

export interface PublicKey {
	/** The 8-byte key number, as hex (how obsdtui shows it). */
	keynum: string;
	key: Buffer;
	comment: string;
}

export interface Signature {
	keynum: string;
	sig: Buffer;
	comment: string;
}

export interface SignedMessage {
	signature: Signature;
	/** The bytes after the signature lines: what was signed. */
	message: Buffer;
}

export class SignifyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SignifyError';
	}
}

/** Strict base64 (signify uses b64_pton, which rejects anything else). */
function decodeBase64(text: string, what: string): Buffer {
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) throw new SignifyError(`${what}: the second line is not base64`);
	return Buffer.from(text, 'base64');
}

/**
 * The two lines of a signify file and where they end. `data` may go on after the second
 * line (the embedded message); both lines must end in a newline.
 */
function splitLines(data: Buffer, what: string): { comment: string; blob: string; end: number } {
	const nl1 = data.indexOf(0x0a);
	if (nl1 < 0 || nl1 >= COMMENT_MAX + COMMENT_PREFIX.length) throw new SignifyError(`${what}: no "untrusted comment:" line`);
	const first = data.subarray(0, nl1).toString('latin1');
	if (!first.startsWith(COMMENT_PREFIX)) throw new SignifyError(`${what}: must start with "untrusted comment: "`);
	const nl2 = data.indexOf(0x0a, nl1 + 1);
	if (nl2 < 0) throw new SignifyError(`${what}: the base64 line does not end in a newline`);
	// Printable ASCII only in what we show to people (the comment ends up in messages).
	const comment = first.slice(COMMENT_PREFIX.length).replace(/[^\x20-\x7e]/g, '?');
	const blob = data.subarray(nl1 + 1, nl2).toString('latin1');
	return { comment, blob, end: nl2 + 1 };
}

function parseBlob(blob: string, size: number, what: string): { keynum: string; body: Buffer } {
	const raw = decodeBase64(blob, what);
	if (raw.length !== 2 + 8 + size) throw new SignifyError(`${what}: ${raw.length} bytes where signify has ${2 + 8 + size}`);
	if (raw.subarray(0, 2).toString('latin1') !== PKALG) throw new SignifyError(`${what}: not an Ed25519 signify key or signature`);
	return { keynum: raw.subarray(2, 10).toString('hex'), body: raw.subarray(10) };
}

/** A signify public key file (`*.pub`). Only the two lines; nothing may follow. */
export function parsePublicKey(data: Buffer | string, what = 'public key'): PublicKey {
	const buf = typeof data === 'string' ? Buffer.from(data) : data;
	const { comment, blob, end } = splitLines(buf, what);
	if (end !== buf.length) throw new SignifyError(`${what}: unexpected data after the key`);
	const { keynum, body } = parseBlob(blob, 32, what);
	return { keynum, key: body, comment };
}

/** A detached signify signature file (`*.sig`): two lines, nothing after. */
export function parseSignature(data: Buffer | string, what = 'signature'): Signature {
	const buf = typeof data === 'string' ? Buffer.from(data) : data;
	const { comment, blob, end } = splitLines(buf, what);
	if (end !== buf.length) throw new SignifyError(`${what}: unexpected data after the signature (an embedded signature? use parseSignedMessage)`);
	const { keynum, body } = parseBlob(blob, 64, what);
	return { keynum, sig: body, comment };
}

/** An embedded signature (`signify -S -e`): the signature lines, then the signed message. */
export function parseSignedMessage(data: Buffer | string, what = 'signed message'): SignedMessage {
	const buf = typeof data === 'string' ? Buffer.from(data) : data;
	const { comment, blob, end } = splitLines(buf, what);
	const { keynum, body } = parseBlob(blob, 64, what);
	return { signature: { keynum, sig: body, comment }, message: buf.subarray(end) };
}

/** Ed25519 verification of `message` (signify signs the message itself, no prehash). */
export function verifySignature(key: PublicKey, sig: Signature, message: Buffer): boolean {
	if (key.keynum !== sig.keynum) return false;
	const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.key.toString('base64url') }, format: 'jwk' });
	return cryptoVerify(null, message, pub, sig.sig);
}

/**
 * The key name an OpenBSD signature says to verify it with ("verify with
 * openbsd-80-base.pub"), if it names one in OpenBSD's pattern. Untrusted: only used to tell
 * a person which key is missing, never to choose what to trust.
 */
export function namedKey(sig: Signature): string | undefined {
	const m = /^verify with (openbsd-\d+-[a-z]+\.pub)$/.exec(sig.comment);
	return m?.[1];
}

/** One `SHA256 (NAME) = HEX` line per file, as `sha256 -b`/`sha256sum --tag` write them. */
export function parseSha256List(text: string): Map<string, string> {
	const list = new Map<string, string>();
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	for (const [i, line] of lines.entries()) {
		const m = /^SHA256 \(([^/()\x00-\x1f]+)\) = ([0-9a-f]{64})$/.exec(line);
		if (!m) throw new SignifyError(`SHA256 list line ${i + 1} is not "SHA256 (name) = hex"`);
		if (list.has(m[1])) throw new SignifyError(`SHA256 list names ${m[1]} twice`);
		list.set(m[1], m[2]);
	}
	return list;
}

export function sha256Hex(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

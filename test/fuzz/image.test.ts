// Fuzzing the image fetcher's handling of what a mirror sends (src/image/): signify files
// and SHA256 lists of any bytes give SignifyError only (one line; the fetcher makes it a
// UserError), and a hostile mirror (any status, headers, redirects, bodies, or no HTTP at
// all) makes fetchImage fail with a one-line UserError and nothing else. The mirror is a
// STAND-IN: a raw TCP server answering what each case scripts; the signatures it mutates
// are made by the real signify (signify-openbsd), as OpenBSD's are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../src/common/errors.ts';
import { fetchImage } from '../../src/image/fetch.ts';
import { parsePublicKey, parseSha256List, parseSignature, parseSignedMessage, SignifyError } from '../../src/image/signify.ts';
import { haveSignify, makeKey, type TestKey } from '../helpers/mirror.ts';
import { stream } from './bytes.ts';
import { params, timeout } from './params.ts';

const skip = haveSignify() ? false : 'signify-openbsd is not installed (apt-get install signify-openbsd)';
let work: string;
let key: TestKey;
let sig: Buffer; // an embedded signature of a real SHA256 list
let pub: Buffer;

before(() => {
	if (skip) return;
	work = mkdtempSync('/tmp/ot-fuzz-image-');
	key = makeKey(join(work, 'keys'), 'openbsd-79-base');
	writeFileSync(join(work, 'SHA256'), `SHA256 (miniroot79.img) = ${'ab'.repeat(32)}\nSHA256 (bsd.rd) = ${'cd'.repeat(32)}\n`);
	execFileSync('signify-openbsd', ['-S', '-e', '-s', key.sec, '-m', join(work, 'SHA256'), '-x', join(work, 'SHA256.sig')]);
	sig = readFileSync(join(work, 'SHA256.sig'));
	pub = readFileSync(key.pub);
});
after(() => {
	if (work) rmSync(work, { recursive: true, force: true });
});

/** A real signify file with bytes poked, spliced in or cut off. */
const mutate = (base: () => Buffer) =>
	fc
		.tuple(fc.array(fc.tuple(fc.nat(), fc.oneof(fc.nat({ max: 255 }), fc.constantFrom(0x0a, 0x3d, 0x2b, 0x2f, 0x00))), { maxLength: 6 }), fc.option(fc.nat()), fc.option(stream(3)))
		.map(([pokes, cutAt, tail]) => {
			let b = Buffer.from(base());
			for (const [at, v] of pokes) b[at % b.length] = v;
			if (cutAt !== null) b = b.subarray(0, cutAt % (b.length + 1));
			return tail ? Buffer.concat([b, tail]) : b;
		});

function onlySignifyError(f: () => unknown): void {
	try {
		f();
	} catch (err) {
		assert.ok(err instanceof SignifyError, `threw ${String(err)}`);
		assert.doesNotMatch((err as Error).message, /[\n\r]/);
	}
}

test('signify files and SHA256 lists of any bytes: parsed, or a one-line SignifyError', { skip, timeout: timeout() }, () => {
	fc.assert(
		fc.property(
			fc.oneof(
				stream(10),
				mutate(() => sig),
				mutate(() => pub),
			),
			(data) => {
				onlySignifyError(() => parsePublicKey(data));
				onlySignifyError(() => parseSignature(data));
				onlySignifyError(() => parseSignedMessage(data));
				onlySignifyError(() => parseSha256List(data.toString('latin1')));
			},
		),
		params(0x519f, 3000),
	);
});

/** One scripted answer of the hostile mirror. */
interface Answer {
	raw?: Buffer; // not HTTP at all
	status: number;
	headers: [string, string][];
	body: Buffer;
}

const headerValue = fc.oneof(
	fc.string({ unit: fc.constantFrom(...'0123456789abcdefxyz -/*=:.'.split('')), maxLength: 20 }),
	fc.integer({ min: -1, max: 1 << 22 }).map(String),
	fc.constantFrom('bytes 0-9/10', 'bytes */5', '1e3', 'NaN', '', '  7'),
);
const location = fc.oneof(
	fc.constantFrom(
		'http://[',
		'ftp://127.0.0.1/x',
		'file:///etc/passwd',
		'javascript:1',
		'',
		'http://127.0.0.1:1/x',
		'/pub/OpenBSD/7.9/arm64/SHA256.sig',
		'//127.0.0.1:1/',
		'https://127.0.0.1:1/',
		'http://a b/',
	),
	fc.string({ unit: fc.constantFrom(...'abc:/[]%@?#.1 '.split('')), maxLength: 16 }),
);
const answer: fc.Arbitrary<Answer> = fc.oneof(
	{ weight: 1, arbitrary: stream(6).map((raw) => ({ raw, status: 0, headers: [], body: Buffer.alloc(0) })) },
	{
		weight: 6,
		arbitrary: fc.record({
			status: fc.oneof(fc.constantFrom(200, 200, 206, 301, 302, 307, 404, 416, 500), fc.integer({ min: 100, max: 999 })),
			headers: fc.array(fc.oneof(fc.tuple(fc.constantFrom('Content-Length', 'Content-Range', 'Transfer-Encoding', 'Accept-Ranges'), headerValue), fc.tuple(fc.constant('Location'), location)), {
				maxLength: 3,
			}),
			body: fc.oneof(
				stream(6),
				mutate(() => sig),
				fc.constant(Buffer.alloc(0)),
			),
		}),
	},
);

function encode(a: Answer): Buffer {
	if (a.raw) return a.raw;
	const head = [`HTTP/1.1 ${a.status} X`, ...a.headers.map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', ''].join('\r\n');
	return Buffer.concat([Buffer.from(head, 'latin1'), a.body]);
}

test('a hostile mirror: fetchImage fails with a one-line UserError, never anything else', { skip, timeout: timeout(180_000) }, async () => {
	let script: Answer[] = [];
	const server: Server = createServer((s) => {
		s.on('error', () => {});
		let seen = '';
		s.on('data', (d) => {
			seen += d.toString('latin1');
			if (!seen.includes('\r\n\r\n')) return;
			seen = '';
			const a = script.shift();
			s.end(a ? encode(a) : 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pub/OpenBSD`;
	const cacheBefore = process.env.XDG_CACHE_HOME;
	try {
		await fc.assert(
			fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 4 }), async (answers) => {
				script = [...answers];
				process.env.XDG_CACHE_HOME = join(work, 'cache');
				rmSync(join(work, 'cache'), { recursive: true, force: true });
				try {
					await fetchImage({ version: '7.9', mirror, keys: [key.pub], keyDirs: [], stallSeconds: 1 });
				} catch (err) {
					assert.ok(err instanceof UserError, `threw ${err instanceof Error ? err.stack : String(err)}`);
					assert.doesNotMatch((err as Error).message, /[\n\r]/);
					return;
				}
				assert.fail('a mirror of random answers gave a verified image');
			}),
			// Found by this property: a Location that is no URL threw out of the response
			// callback (an uncaught TypeError); one to another scheme was not a UserError.
			params(0x51a0, 300, [[[{ status: 301, headers: [['Location', 'http://[']], body: Buffer.alloc(0) }]], [[{ status: 302, headers: [['Location', 'ftp://127.0.0.1/x']], body: Buffer.alloc(0) }]]]),
		);
	} finally {
		if (cacheBefore === undefined) delete process.env.XDG_CACHE_HOME;
		else process.env.XDG_CACHE_HOME = cacheBefore;
		server.close();
	}
});

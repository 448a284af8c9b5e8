// Fetching OpenBSD install media: SHA256.sig first, its signify signature checked against
// keys we already hold, then the file, whose SHA256 must be the one the signed list gives.
//
// The cache ($XDG_CACHE_HOME/obsdtui/images/VERSION/ARCH/) holds only verified files under
// their real names:
//   SHA256.sig                 written after its signature verified
//   miniroot79.img             renamed into place after its SHA256 matched the signed list
//   .miniroot79.img.lock       the pid of the obsdtui downloading it (one at a time)
//   miniroot79.img.<sha>.part  an interrupted download, never trusted and never used except
//                              to resume the same file (<sha>: the first 16 hex digits of the
//                              SHA256 it must end up with; another SHA256 is another file).
// A broken or stalled transfer keeps its .part so the next run resumes it (HTTP Range); a
// hash mismatch deletes it; a bad signature or HTTP error leaves nothing new behind.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync, ftruncateSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../common/errors.ts';
import { keyForSignature, releaseNumber, trustedKeys, type TrustedKey } from './keys.ts';
import { parseSha256List, parseSignedMessage, SignifyError, verifySignature } from './signify.ts';

export const DEFAULT_MIRROR = 'https://cdn.openbsd.org/pub/OpenBSD';
export const DEFAULT_ARCH = 'arm64';
export const DEFAULT_STALL_SECONDS = 30;
// SHA256.sig of a release is a few KiB; anything much larger is not one.
const MAX_SIG_BYTES = 1 << 20;
const MAX_REDIRECTS = 5;

export type FetchEvent =
	| { event: 'signature'; url: string; key: string; keySource: string }
	| { event: 'cached'; file: string; path: string }
	| { event: 'start'; file: string; url: string; offset: number; total?: number }
	| { event: 'progress'; file: string; bytes: number; total?: number; rate: number; eta?: number }
	| { event: 'done'; file: string; bytes: number; seconds: number }
	| { event: 'verified'; file: string; path: string; sha256: string; key: string; cached: boolean };

export interface FetchOptions {
	version: string;
	arch?: string;
	/** Default: miniroot79.img for 7.9; for snapshots the miniroot the signed list names. */
	file?: string;
	mirror?: string;
	/** Extra trusted public key files (--key). */
	keys?: string[];
	/** Seconds without a byte before a transfer counts as stalled. */
	stallSeconds?: number;
	/** Key directories (default /etc/signify, /usr/share/signify-openbsd-keys). */
	keyDirs?: string[];
	onEvent?: (e: FetchEvent) => void;
}

export interface FetchResult {
	path: string;
	sha256: string;
	key: string;
	cached: boolean;
}

export function imageCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
	return join(base, 'obsdtui', 'images');
}

export function checkVersion(v: unknown): string {
	if (typeof v !== 'string' || !(v === 'snapshots' || releaseNumber(v) !== undefined)) {
		throw new UserError(`version must be like 7.9, or snapshots, not ${JSON.stringify(v)}`);
	}
	return v;
}

function checkArch(a: string): string {
	if (!/^[a-z0-9]{2,16}$/.test(a)) throw new UserError(`invalid --arch ${JSON.stringify(a)}`);
	return a;
}

function checkFileName(f: string): string {
	if (!/^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,127}$/.test(f) || f === 'SHA256.sig' || f.endsWith('.part')) throw new UserError(`invalid --file ${JSON.stringify(f)}`);
	return f;
}

function checkMirror(m: string): string {
	let u: URL;
	try {
		u = new URL(m);
	} catch {
		throw new UserError(`--mirror must be a URL like ${DEFAULT_MIRROR}, not ${JSON.stringify(m)}`);
	}
	if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UserError(`--mirror must be an http or https URL, not ${JSON.stringify(m)}`);
	return m.replace(/\/+$/, '');
}

/** The name `create` and `image fetch` use when none is given: minirootXY.img. */
export function defaultFile(version: string, list?: Map<string, string>): string {
	const n = releaseNumber(version);
	if (n !== undefined) return `miniroot${n}.img`;
	const minis = [...(list?.keys() ?? [])].filter((f) => /^miniroot\d+\.img$/.test(f));
	if (minis.length !== 1) throw new UserError(`the signed SHA256 list for ${version} names ${minis.length} miniroot images; say which with --file`);
	return minis[0];
}

class TransferError extends Error {}

export function formatBytes(n: number): string {
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
	if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
	return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

interface Response {
	res: http.IncomingMessage;
	url: string;
	/** Re-arms the stall timer; the caller calls it on every chunk. */
	alive: () => void;
	stop: () => void;
	/** Why the transfer was cut by the stall timer, if it was. */
	stalled: () => string | undefined;
}

/**
 * GET `url` (following redirects), with a stall guard: no response or no byte for
 * `stallMs` destroys the request with a TransferError.
 */
function get(url: string, headers: Record<string, string>, stallMs: number, redirects = 0): Promise<Response> {
	return new Promise((resolve, reject) => {
		const mod = url.startsWith('https:') ? https : http;
		let timer: NodeJS.Timeout | undefined;
		let stalled: string | undefined;
		let req: http.ClientRequest;
		try {
			req = mod.get(url, { headers: { 'User-Agent': 'obsdtui', ...headers } }, (res) => {
				const status = res.statusCode ?? 0;
				if (status >= 300 && status < 400 && res.headers.location) {
					res.resume();
					clearTimeout(timer);
					if (redirects >= MAX_REDIRECTS) return reject(new TransferError(`GET ${url}: too many redirects`));
					// The mirror's Location is not to be trusted: it may be no URL at all, or another scheme.
					let next: URL;
					try {
						next = new URL(res.headers.location, url);
					} catch {
						return reject(new TransferError(`GET ${url}: redirected to ${JSON.stringify(res.headers.location)}, which is not a URL`));
					}
					if (next.protocol !== 'http:' && next.protocol !== 'https:') return reject(new TransferError(`GET ${url}: redirected to ${next.protocol} (only http and https are followed)`));
					get(next.toString(), headers, stallMs, redirects + 1).then(resolve, reject);
					return;
				}
				resolve({
					res,
					url,
					alive: () => timer?.refresh(),
					stop: () => clearTimeout(timer),
					stalled: () => stalled,
				});
			});
		} catch (err) {
			// A URL node cannot request (it throws rather than failing the request).
			return reject(new TransferError(`GET ${url}: ${(err as Error).message}`));
		}
		timer = setTimeout(() => {
			stalled = `no data from ${url} for ${stallMs / 1000} s: the transfer stalled`;
			req.destroy(new TransferError(stalled));
		}, stallMs);
		req.on('error', (err) => {
			clearTimeout(timer);
			reject(err instanceof TransferError ? err : new TransferError(`GET ${url}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
		});
	});
}

function httpError(url: string, res: http.IncomingMessage): TransferError {
	res.resume();
	return new TransferError(`GET ${url}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd());
}

/** A small file, wholly in memory (SHA256.sig). */
async function fetchSmall(url: string, stallMs: number): Promise<Buffer> {
	const r = await get(url, {}, stallMs);
	if (r.res.statusCode !== 200) {
		r.stop();
		throw httpError(url, r.res);
	}
	const chunks: Buffer[] = [];
	let size = 0;
	const expected = r.res.headers['content-length'] !== undefined ? Number(r.res.headers['content-length']) : undefined;
	try {
		for await (const chunk of r.res as AsyncIterable<Buffer>) {
			r.alive();
			size += chunk.length;
			if (size > MAX_SIG_BYTES) throw new TransferError(`${url} is larger than ${MAX_SIG_BYTES} bytes: not a SHA256.sig`);
			chunks.push(chunk);
		}
	} catch (err) {
		if (err instanceof TransferError) throw err;
		throw new TransferError(r.stalled() ?? `GET ${url}: the connection broke (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
	} finally {
		r.stop();
		r.res.destroy();
	}
	if (expected !== undefined && size !== expected) throw new TransferError(`GET ${url}: the transfer broke after ${size} of ${expected} bytes`);
	return Buffer.concat(chunks);
}

function hashFile(path: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const h = createHash('sha256');
		createReadStream(path)
			.on('data', (d) => h.update(d))
			.on('end', () => resolve(h.digest('hex')))
			.on('error', reject);
	});
}

function sizeOf(path: string): number {
	try {
		return statSync(path).size;
	} catch {
		return 0;
	}
}

/**
 * Download `url` into `part`, continuing after what `part` already holds (HTTP Range). The
 * .part file keeps whatever arrived when the transfer breaks or stalls.
 */
async function download(url: string, part: string, file: string, stallMs: number, emit: (e: FetchEvent) => void): Promise<void> {
	let offset = sizeOf(part);
	const r = await get(url, offset > 0 ? { Range: `bytes=${offset}-` } : {}, stallMs);
	const { res } = r;
	let total: number | undefined;
	if (res.statusCode === 206 && offset > 0) {
		const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
		if (!m || Number(m[1]) !== offset) {
			r.stop();
			res.destroy();
			// A range we did not ask for: start over rather than splice unknown bytes in.
			rmSync(part, { force: true });
			return download(url, part, file, stallMs, emit);
		}
		total = Number(m[3]);
	} else if (res.statusCode === 416 && offset > 0) {
		// The .part is as long as (or longer than) the file: it is no good to resume from.
		r.stop();
		res.resume();
		rmSync(part, { force: true });
		return download(url, part, file, stallMs, emit);
	} else if (res.statusCode === 200) {
		// The server ignored Range (or we asked for none): the body is the whole file.
		offset = 0;
		if (res.headers['content-length'] !== undefined) total = Number(res.headers['content-length']);
	} else {
		r.stop();
		throw httpError(url, res);
	}
	const fd = openSync(part, offset > 0 ? 'r+' : 'w', 0o600);
	if (offset === 0) ftruncateSync(fd, 0);
	let bytes = offset;
	const started = Date.now();
	let lastEmit = 0;
	// At most 10 progress events a second, and the last state always shown (a transfer that
	// pauses must not leave an older count on the screen).
	let trailing: NodeJS.Timeout | undefined;
	let finished = false;
	const progress = () => {
		// Called by the timer or directly (a busy event loop may run a late chunk before a
		// due timer): either way no other progress event may still be pending, or one could
		// arrive after 'done'.
		clearTimeout(trailing);
		trailing = undefined;
		if (finished) return;
		const now = Date.now();
		lastEmit = now;
		const rate = (bytes - offset) / Math.max((now - started) / 1000, 0.001);
		emit({ event: 'progress', file, bytes, total, rate, eta: total !== undefined && rate > 0 ? (total - bytes) / rate : undefined });
	};
	emit({ event: 'start', file, url, offset, total });
	try {
		for await (const chunk of res as AsyncIterable<Buffer>) {
			r.alive();
			writeSync(fd, chunk, 0, chunk.length, bytes);
			bytes += chunk.length;
			const since = Date.now() - lastEmit;
			if (since >= 100) progress();
			else trailing ??= setTimeout(progress, 100 - since);
		}
	} catch (err) {
		const why = r.stalled() ?? (err instanceof TransferError ? err.message : `the connection broke (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
		throw new TransferError(`${file}: ${why} after ${bytes}${total !== undefined ? ` of ${total}` : ''} bytes; run again to resume`);
	} finally {
		finished = true;
		clearTimeout(trailing);
		r.stop();
		closeSync(fd);
		res.destroy();
	}
	if (total !== undefined && bytes !== total) {
		throw new TransferError(`${file}: the transfer broke after ${bytes} of ${total} bytes; run again to resume`);
	}
	emit({ event: 'done', file, bytes, seconds: (Date.now() - started) / 1000 });
}

interface SignedList {
	list: Map<string, string>;
	key: TrustedKey;
}

function checkSigned(data: Buffer, version: string, keys: TrustedKey[], what: string): SignedList {
	let signed;
	try {
		signed = parseSignedMessage(data, what);
	} catch (err) {
		if (err instanceof SignifyError) throw new UserError(err.message);
		throw err;
	}
	const key = keyForSignature(signed.signature, version, keys);
	if (!verifySignature(key.key, signed.signature, signed.message)) {
		throw new UserError(`${what}: BAD SIGNATURE (key ${key.name}, ${key.key.keynum}): the SHA256 list was altered or not signed with this key`);
	}
	try {
		return { list: parseSha256List(signed.message.toString('latin1')), key };
	} catch (err) {
		if (err instanceof SignifyError) throw new UserError(`${what}: ${err.message}`);
		throw err;
	}
}

/** Remove .part files of `file` other than `keep` (left by an older snapshot). */
function dropOtherParts(dir: string, file: string, keep: string): void {
	for (const name of readdirSync(dir)) {
		if (name.startsWith(`${file}.`) && name.endsWith('.part') && join(dir, name) !== keep) rmSync(join(dir, name), { force: true });
	}
}

function alivePid(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return (err as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * One download of a file at a time: a second obsdtui writing the same .part would mix two
 * transfers. The lock file holds the owner's pid; a dead owner's lock is taken over.
 */
function lockFile(dir: string, file: string): () => void {
	const lock = join(dir, `.${file}.lock`);
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
			return () => rmSync(lock, { force: true });
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
			const owner = Number.parseInt(readFileSync(lock, 'utf8'), 10);
			if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alivePid(owner)) {
				throw new UserError(`${file} is being fetched by another obsdtui (pid ${owner}); wait for it, it fills the same cache`);
			}
			rmSync(lock, { force: true });
		}
	}
	throw new UserError(`cannot lock ${lock}`);
}

/** Fetch (or find in the cache) one verified file. Errors are UserErrors with one line. */
export async function fetchImage(opts: FetchOptions): Promise<FetchResult> {
	const version = checkVersion(opts.version);
	const arch = checkArch(opts.arch ?? DEFAULT_ARCH);
	const mirror = checkMirror(opts.mirror ?? DEFAULT_MIRROR);
	if (opts.file !== undefined) checkFileName(opts.file);
	const stallMs = (opts.stallSeconds ?? DEFAULT_STALL_SECONDS) * 1000;
	const emit = opts.onEvent ?? (() => {});
	const keys = trustedKeys(opts.keys ?? [], opts.keyDirs);
	const dir = join(imageCacheRoot(), version, arch);
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const sigPath = join(dir, 'SHA256.sig');
	const base = `${mirror}/${version}/${arch}`;

	// A release never changes: a cached signed list and a file that matches it need no mirror.
	if (version !== 'snapshots' && existsSync(sigPath)) {
		try {
			const { list, key } = checkSigned(readFileSync(sigPath), version, keys, sigPath);
			const file = opts.file ?? defaultFile(version, list);
			const want = list.get(file);
			const path = join(dir, file);
			if (want && existsSync(path) && (await hashFile(path)) === want) {
				emit({ event: 'cached', file, path });
				emit({ event: 'verified', file, path, sha256: want, key: key.name, cached: true });
				return { path, sha256: want, key: key.name, cached: true };
			}
		} catch {
			// Not usable (e.g. the key is no longer trusted): fetch as if it were not there.
		}
	}

	let sigData: Buffer;
	try {
		sigData = await fetchSmall(`${base}/SHA256.sig`, stallMs);
	} catch (err) {
		if (err instanceof TransferError) throw new UserError(err.message);
		throw err;
	}
	const { list, key } = checkSigned(sigData, version, keys, `${base}/SHA256.sig`);
	emit({ event: 'signature', url: `${base}/SHA256.sig`, key: key.name, keySource: key.source });
	const file = opts.file ?? defaultFile(version, list);
	const want = list.get(file);
	if (!want) throw new UserError(`${file} is not in the signed SHA256 list of ${version}/${arch} (${list.size} files)`);
	const path = join(dir, file);
	// Keep the verified list: it is what makes the cached file checkable without a mirror.
	writeFileSync(`${sigPath}.tmp`, sigData, { mode: 0o600 });
	renameSync(`${sigPath}.tmp`, sigPath);
	if (existsSync(path)) {
		if ((await hashFile(path)) === want) {
			emit({ event: 'cached', file, path });
			emit({ event: 'verified', file, path, sha256: want, key: key.name, cached: true });
			return { path, sha256: want, key: key.name, cached: true };
		}
		// An older snapshot's file (or a damaged one): it no longer matches a signed list.
		rmSync(path, { force: true });
	}
	const part = join(dir, `${file}.${want.slice(0, 16)}.part`);
	const unlock = lockFile(dir, file);
	try {
		dropOtherParts(dir, file, part);
		try {
			await download(`${base}/${file}`, part, file, stallMs, emit);
		} catch (err) {
			if (err instanceof TransferError) throw new UserError(err.message);
			throw err;
		}
		const got = await hashFile(part);
		if (got !== want) {
			rmSync(part, { force: true });
			throw new UserError(`${file}: SHA256 mismatch (got ${got}, the signed list says ${want}); the download was removed`);
		}
		renameSync(part, path);
	} finally {
		unlock();
	}
	emit({ event: 'verified', file, path, sha256: want, key: key.name, cached: false });
	return { path, sha256: want, key: key.name, cached: false };
}

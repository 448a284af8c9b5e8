// A local OpenBSD mirror for tests: an HTTP server on 127.0.0.1 serving a directory laid
// out like the real ones (pub/OpenBSD/7.9/arm64/, pub/OpenBSD/snapshots/arm64/), with
// SHA256 and SHA256.sig made by the real tools (sha256sum --tag, Debian's signify-openbsd).
// It records every request (path and Range header) and can misbehave on purpose per path:
// answer an HTTP error, cut the body short, stall mid-body, or hold mid-body until told.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Request {
	path: string;
	range?: string;
}

export type Behaviour =
	| { kind: 'status'; status: number }
	/** Promise the whole file, send `after` bytes, then close the connection. */
	| { kind: 'truncate'; after: number }
	/** Send `after` bytes, then nothing more (the connection stays open). */
	| { kind: 'stall'; after: number }
	/** Send `after` bytes, then wait for release(). */
	| { kind: 'hold'; after: number }
	/** Ignore Range headers (always 200 with the whole file). */
	| { kind: 'noRange' };

export class Mirror {
	readonly requests: Request[] = [];
	readonly behaviours = new Map<string, Behaviour>();
	private server!: Server;
	private held: Array<() => void> = [];
	private open = new Set<ServerResponse>();
	port = 0;

	constructor(readonly root: string) {}

	get url(): string {
		return `http://127.0.0.1:${this.port}/pub/OpenBSD`;
	}

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
			this.requests.push({ path, range: req.headers.range });
			this.open.add(res);
			res.on('close', () => this.open.delete(res));
			this.serve(path, req.headers.range, res);
		});
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		this.port = (this.server.address() as AddressInfo).port;
	}

	/** Let held responses go on. */
	release(): void {
		for (const go of this.held.splice(0)) go();
	}

	async stop(): Promise<void> {
		for (const res of this.open) res.destroy();
		this.server.closeAllConnections();
		await new Promise<void>((r) => this.server.close(() => r()));
	}

	private serve(path: string, range: string | undefined, res: ServerResponse): void {
		const b = this.behaviours.get(path);
		if (b?.kind === 'status') {
			res.writeHead(b.status, { 'Content-Type': 'text/plain' });
			res.end(`status ${b.status}\n`);
			return;
		}
		const file = join(this.root, path);
		let data: Buffer;
		try {
			if (!statSync(file).isFile()) throw new Error('not a file');
			data = readFileSync(file);
		} catch {
			res.writeHead(404);
			res.end('not found\n');
			return;
		}
		let start = 0;
		const m = range && b?.kind !== 'noRange' ? /^bytes=(\d+)-$/.exec(range) : null;
		if (m) {
			start = Number(m[1]);
			if (start >= data.length) {
				res.writeHead(416, { 'Content-Range': `bytes */${data.length}` });
				res.end();
				return;
			}
			res.writeHead(206, { 'Content-Length': data.length - start, 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` });
		} else {
			res.writeHead(200, { 'Content-Length': data.length, 'Accept-Ranges': 'bytes' });
		}
		const body = data.subarray(start);
		if (b?.kind === 'truncate' || b?.kind === 'stall' || b?.kind === 'hold') {
			// Cut or hold only once the first part has left (a destroyed socket drops unsent data).
			res.write(body.subarray(0, b.after), () => {
				if (b.kind === 'truncate') res.socket?.end();
			});
			if (b.kind === 'hold') this.held.push(() => res.end(body.subarray(b.after)));
			return;
		}
		res.end(body);
	}
}

export interface TestKey {
	pub: string;
	sec: string;
}

/** A signify key pair made by the real signify, named like OpenBSD's (openbsd-80-base). */
export function makeKey(dir: string, name: string): TestKey {
	mkdirSync(dir, { recursive: true });
	const pub = join(dir, `${name}.pub`);
	const sec = join(dir, `${name}.sec`);
	execFileSync('signify-openbsd', ['-G', '-n', '-p', pub, '-s', sec]);
	return { pub, sec };
}

/**
 * A release (or snapshots) directory: the files, SHA256 by sha256sum --tag, and SHA256.sig
 * signed with `key` in signify's embedded form, as OpenBSD publishes them.
 */
export function publish(root: string, version: string, arch: string, files: Record<string, Buffer>, key: TestKey): string {
	const dir = join(root, 'pub', 'OpenBSD', version, arch);
	mkdirSync(dir, { recursive: true });
	const names = Object.keys(files).sort();
	for (const n of names) writeFileSync(join(dir, n), files[n]);
	const list = execFileSync('sha256sum', ['--tag', ...names], { cwd: dir });
	writeFileSync(join(dir, 'SHA256'), list);
	execFileSync('signify-openbsd', ['-S', '-e', '-s', key.sec, '-m', join(dir, 'SHA256'), '-x', join(dir, 'SHA256.sig')]);
	return dir;
}

export function haveSignify(): boolean {
	try {
		execFileSync('signify-openbsd', ['-V'], { stdio: 'ignore' });
	} catch (err) {
		// signify has no -V: it prints its usage and exits 1, which still proves it is there.
		return (err as NodeJS.ErrnoException).code !== 'ENOENT';
	}
	return true;
}

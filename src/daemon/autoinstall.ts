// The host side of an unattended install: the daemon serves the VM's response file on a
// unix socket in its state dir (vms/NAME/autoinstall.sock). QEMU's user network forwards
// the guest's TCP connections to 10.0.2.100:80 to that socket (guestfwd, a chardev that
// reconnects), so the installer fetches http://10.0.2.100/install.conf and no host TCP
// port is ever opened. The daemon, not the helper, serves it: it is TypeScript, testable,
// and the file is needed only during the install; if the daemon restarts, QEMU reconnects
// to the new listener.
//
// With `autoinstallSets` it also serves the install sets from the image cache under
// /sets/: SHA256.sig, the files its signed list names that are in the cache (never a .part),
// and an index.txt of them. The installer checks them against SHA256.sig with its own keys.
//
// Everything the guest sends is hostile: request heads are capped, anything but a GET or
// HEAD of those paths gets a 400/404, and nothing else on the host is reachable. One unix
// stream carries every guest connection in turn, so responses go out one at a time.
import { createServer, type Server, type Socket } from 'node:net';
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { httpHead, httpResponse, indexText, isResponsePath, RequestSplitter, setsFile, type HttpRequest } from '../image/autoinstall.ts';
import { parseSha256List, parseSignedMessage } from '../image/signify.ts';

export function autoinstallSocketPath(vmDir: string): string {
	return join(vmDir, 'autoinstall.sock');
}

type Body = { kind: 'bytes'; data: Buffer } | { kind: 'file'; path: string; size: number };

export class AutoinstallServer {
	private server: Server;
	private sockets = new Set<Socket>();
	/** Requests served, for the audit trail and tests. */
	readonly served: string[] = [];

	constructor(readonly path: string, private readonly file: string, private readonly onRequest?: (line: string) => void, private readonly setsDir?: string) {
		this.server = createServer((s) => this.connection(s));
	}

	listen(): Promise<void> {
		rmSync(this.path, { force: true });
		return new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.path, () => {
				this.server.off('error', reject);
				resolve();
			});
		});
	}

	/** The cached files the signed list names, with sizes; empty without a usable list. */
	private setFiles(): Array<{ name: string; size: number }> {
		if (!this.setsDir) return [];
		try {
			const list = parseSha256List(parseSignedMessage(readFileSync(join(this.setsDir, 'SHA256.sig'))).message.toString('latin1'));
			const out: Array<{ name: string; size: number }> = [];
			for (const name of [...list.keys()].sort()) {
				try {
					const st = statSync(join(this.setsDir, name));
					if (st.isFile()) out.push({ name, size: st.size });
				} catch {
					// not cached
				}
			}
			return out;
		} catch {
			return [];
		}
	}

	private body(r: HttpRequest): Body | undefined {
		if (isResponsePath(r.path)) {
			try {
				return { kind: 'bytes', data: readFileSync(this.file) };
			} catch {
				return undefined;
			}
		}
		const name = this.setsDir ? setsFile(r.path) : undefined;
		if (!name || !this.setsDir) return undefined;
		const files = this.setFiles();
		if (name === 'index.txt') return { kind: 'bytes', data: Buffer.from(indexText(files)) };
		if (name === 'SHA256.sig' && files.length) return { kind: 'bytes', data: readFileSync(join(this.setsDir, 'SHA256.sig')) };
		const f = files.find((x) => x.name === name);
		return f ? { kind: 'file', path: join(this.setsDir, f.name), size: f.size } : undefined;
	}

	private async respond(s: Socket, r: HttpRequest | 'bad'): Promise<void> {
		if (r === 'bad') {
			s.write(httpResponse(400, Buffer.from('bad request\n')));
			return;
		}
		const b = this.body(r);
		const line = `${r.method} ${r.path} ${b ? 200 : 404}`;
		this.served.push(line);
		this.onRequest?.(line);
		const head = r.method === 'HEAD';
		if (!b) {
			s.write(httpResponse(404, Buffer.from('not found\n'), head));
			return;
		}
		if (b.kind === 'bytes') {
			s.write(httpResponse(200, b.data, head));
			return;
		}
		// A set: the head with its length, then the file, streamed with backpressure.
		s.write(httpHead(200, b.size));
		if (head) return;
		await new Promise<void>((resolve) => {
			const rs = createReadStream(b.path, { start: 0, end: b.size - 1 });
			rs.on('error', () => {
				// The file went away mid-response: the guest sees a short body and retries.
				s.destroy();
				resolve();
			});
			rs.on('end', resolve);
			rs.pipe(s, { end: false });
		});
	}

	private connection(s: Socket): void {
		this.sockets.add(s);
		const split = new RequestSplitter();
		// Responses leave in request order, one at a time: the stream has no other boundaries.
		let queue = Promise.resolve();
		s.on('data', (chunk: Buffer) => {
			const reqs = split.push(chunk);
			if (reqs === 'overflow') {
				s.destroy();
				return;
			}
			for (const r of reqs) queue = queue.then(() => (s.destroyed ? undefined : this.respond(s, r)));
		});
		s.on('error', () => s.destroy());
		s.on('close', () => this.sockets.delete(s));
	}

	close(): void {
		for (const s of this.sockets) s.destroy();
		this.server.close();
		rmSync(this.path, { force: true });
	}
}

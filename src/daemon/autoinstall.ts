// The host side of an unattended install: the daemon serves the VM's response file on a
// unix socket in its state dir (vms/NAME/autoinstall.sock). QEMU's user network forwards
// the guest's TCP connections to 10.0.2.100:80 to that socket (guestfwd, a chardev that
// reconnects), so the installer fetches http://10.0.2.100/install.conf and no host TCP
// port is ever opened. The daemon, not the helper, serves it: it is TypeScript, testable,
// and the file is needed only during the install; if the daemon restarts, QEMU reconnects
// to the new listener.
//
// Everything the guest sends is hostile: request heads are capped, anything but a GET or
// HEAD of install.conf gets a 400/404, and nothing else on the host is reachable.
import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { httpResponse, isResponsePath, RequestSplitter } from '../image/autoinstall.ts';

export function autoinstallSocketPath(vmDir: string): string {
	return join(vmDir, 'autoinstall.sock');
}

export class AutoinstallServer {
	private server: Server;
	private sockets = new Set<Socket>();
	/** Requests served, for the audit trail and tests. */
	readonly served: string[] = [];

	constructor(readonly path: string, private readonly file: string, private readonly onRequest?: (line: string) => void) {
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

	private connection(s: Socket): void {
		this.sockets.add(s);
		const split = new RequestSplitter();
		s.on('data', (chunk: Buffer) => {
			const reqs = split.push(chunk);
			if (reqs === 'overflow') {
				s.destroy();
				return;
			}
			for (const r of reqs) {
				if (r === 'bad') {
					s.write(httpResponse(400, Buffer.from('bad request\n')));
					continue;
				}
				let body: Buffer | undefined;
				if (isResponsePath(r.path)) {
					try {
						body = readFileSync(this.file);
					} catch {
						body = undefined;
					}
				}
				this.served.push(`${r.method} ${r.path} ${body ? 200 : 404}`);
				this.onRequest?.(`${r.method} ${r.path} ${body ? 200 : 404}`);
				s.write(body ? httpResponse(200, body, r.method === 'HEAD') : httpResponse(404, Buffer.from('not found\n'), r.method === 'HEAD'));
			}
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

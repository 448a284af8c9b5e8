// Console logs of a VM on another host, for the commands that read log files directly
// when the VM is local (log, dmesg, report, scan, ddb): the daemon streams them
// (`read_log`), and they are written to a private temporary file as they arrive, never
// held whole in memory, so the local parsers run on them unchanged.
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDaemon, type DaemonClient } from './client.ts';

export interface FetchedLog {
	/** The local copy: `boot.N.log` (or `.glass`) in a 0700 temporary directory. */
	path: string;
	boot: number;
	/** Remove the copy. */
	cleanup: () => void;
}

export async function fetchLog(name: string, opts: { boot?: number | 'last'; glass?: boolean; client?: DaemonClient } = {}): Promise<FetchedLog> {
	const client = opts.client ?? (await connectDaemon());
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-log-'));
	const cleanup = () => rmSync(dir, { recursive: true, force: true });
	const tmp = join(dir, 'download');
	const fd = openSync(tmp, 'w', 0o600);
	try {
		const { boot } = await client.readLog({ name, boot: opts.boot, glass: opts.glass }, (bytes) => {
			writeSync(fd, bytes);
		});
		closeSync(fd);
		const path = join(dir, `boot.${String(boot).padStart(3, '0')}.${opts.glass ? 'glass' : 'log'}`);
		renameSync(tmp, path);
		return { path, boot, cleanup };
	} catch (err) {
		try {
			closeSync(fd);
		} catch {
			// already closed
		}
		cleanup();
		throw err;
	} finally {
		if (!opts.client) client.close();
	}
}

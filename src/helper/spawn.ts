// Starting a helper: detached in its own session, so it (and the VM) outlive the daemon.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../common/errors.ts';
import { appleHelperBinary } from './apple.ts';

// Bounds a helper that never becomes ready; QEMU's console socket alone may take 10 s.
const READY_TIMEOUT_MS = 20_000;

/** The package root: where native/qemu/ is, from src/helper/ or from the dist/ bundle. */
function packageRoot(): string {
	let dir = dirname(fileURLToPath(import.meta.url));
	for (;;) {
		if (existsSync(join(dir, 'native', 'qemu'))) return dir;
		const up = dirname(dir);
		if (up === dir) throw new UserError('the native helper is not built: run npm install');
		dir = up;
	}
}

export function helperBinary(): string {
	const bin = join(packageRoot(), 'native', 'qemu', 'obsdtui-helper');
	if (!existsSync(bin)) throw new UserError('the native helper is not built: run npm install');
	return bin;
}

function errTail(path: string): string {
	try {
		const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
		return lines.slice(-3).join('; ') || '(helper.err is empty)';
	} catch {
		return '(no helper.err)';
	}
}

function accepts(sock: string): Promise<boolean> {
	return new Promise((resolve) => {
		const s = createConnection(sock);
		s.once('connect', () => {
			s.destroy();
			resolve(true);
		});
		s.once('error', () => resolve(false));
	});
}

function pidFileIs(path: string, pid: number): boolean {
	try {
		return Number(readFileSync(path, 'utf8').trim()) === pid;
	} catch {
		return false;
	}
}

/**
 * Start `obsdtui-helper -d VMDIR -b BOOT ARGV...` (`obsdtui-vz-helper` for an `apple` argv,
 * or `binary`) and resolve once its helper.sock accepts
 * connections (its console source is up by then), or once it has already run to the end
 * (a command that exited at once; exit status 0). The helper's stdout and stderr, and
 * those of QEMU, go to VMDIR/helper.err.
 */
export async function spawnHelper(opts: { vmDir: string; boot: number; argv: string[]; binary?: string }): Promise<void> {
	const bin = opts.binary ?? (opts.argv[0] === 'apple' ? appleHelperBinary() : helperBinary());
	const errPath = join(opts.vmDir, 'helper.err');
	const fd = openSync(errPath, 'a', 0o600);
	const child = spawn(bin, ['-d', opts.vmDir, '-b', String(opts.boot), ...opts.argv], {
		detached: true,
		stdio: ['ignore', fd, fd],
	});
	closeSync(fd);
	child.unref();
	let exited: string | undefined;
	child.once('error', (e) => (exited = e.message));
	child.once('exit', (code, sig) => (exited = code === 0 ? 'done' : sig ? `killed by ${sig}` : `exit status ${code}`));
	const sock = join(opts.vmDir, 'helper.sock');
	const pidPath = join(opts.vmDir, 'helper.pid');
	const deadline = Date.now() + READY_TIMEOUT_MS;
	try {
		for (;;) {
			// The pid check: a socket that accepts could belong to another, older helper.
			if (child.pid !== undefined && pidFileIs(pidPath, child.pid) && (await accepts(sock))) return;
			// A command that ran and finished already: its log and index are complete.
			if (exited === 'done') return;
			if (exited !== undefined) throw new UserError(`the helper failed to start (${exited}): ${errTail(errPath)}`);
			if (Date.now() > deadline) throw new UserError(`the helper did not become ready in ${READY_TIMEOUT_MS / 1000} s: ${errTail(errPath)}`);
			await new Promise((r) => setTimeout(r, 25));
		}
	} finally {
		child.removeAllListeners();
	}
}

// Where obsdtui keeps things.
//
//   runtime dir  $OBSDTUI_RUNTIME_DIR, else $XDG_RUNTIME_DIR/obsdtui, else /tmp/obsdtui-$UID
//                daemon.sock (0600), daemon.pid; the directory itself is 0700 and ours.
//   state dir    $OBSDTUI_STATE_DIR, else $XDG_STATE_HOME/obsdtui, else ~/.local/state/obsdtui
//                vms/NAME/ per VM: spec.json, boot logs and indexes, helper socket, QMP socket.
//
// The state dir outlives the daemon and reboots of the host; the runtime dir may not.
import { mkdirSync, statSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from './errors.ts';

function uid(): number {
	return typeof process.getuid === 'function' ? process.getuid() : 0;
}

export function runtimeDir(): string {
	if (process.env.OBSDTUI_RUNTIME_DIR) return process.env.OBSDTUI_RUNTIME_DIR;
	if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 'obsdtui');
	return `/tmp/obsdtui-${uid()}`;
}

export function stateDir(): string {
	if (process.env.OBSDTUI_STATE_DIR) return process.env.OBSDTUI_STATE_DIR;
	const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
	return join(base, 'obsdtui');
}

export function daemonSocketPath(): string {
	return join(runtimeDir(), 'daemon.sock');
}

export function vmsDir(): string {
	return join(stateDir(), 'vms');
}

export const VM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

export function checkVmName(name: unknown): string {
	if (typeof name !== 'string' || !VM_NAME_RE.test(name)) {
		throw new UserError(`invalid VM name ${JSON.stringify(name)}: use 1-32 letters, digits, '.', '_' or '-'`);
	}
	return name;
}

export function vmDir(name: string): string {
	return join(vmsDir(), checkVmName(name));
}

/**
 * Create `dir` (0700) if needed and refuse to use it unless it is a directory owned by us
 * with no group/other permissions: a socket there would otherwise be reachable by others.
 */
export function ensurePrivateDir(dir: string): void {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const st = statSync(dir);
	if (!st.isDirectory()) throw new UserError(`${dir} is not a directory`);
	if (st.uid !== uid()) throw new UserError(`${dir} is owned by uid ${st.uid}, not by us (uid ${uid()}); refusing to use it`);
	if ((st.mode & 0o077) !== 0) {
		throw new UserError(`${dir} has mode ${(st.mode & 0o777).toString(8)}; it must be 0700 (run: chmod 700 ${dir})`);
	}
}

/** Like ensurePrivateDir, but for dirs we create ourselves: tighten the mode instead of refusing. */
export function makePrivateDir(dir: string): void {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	chmodSync(dir, 0o700);
}

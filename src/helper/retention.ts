// Log retention: how many old boots' logs are kept, per VM and per user, like virtlogd's
// max_backups and max_size (which rotate one log; here each boot is its own file). It is
// applied when a boot starts, before its helper runs, and only to finished boots: the
// running boot of any VM, the boot being started and each VM's newest boot are never
// removed. What was removed is recorded in vms/NAME/retention.log, so `log --boot N`,
// `ls` and `doctor` can say so.
//
// Limits: spec `logKeep` (boots per VM, default 20) and `logQuota` (MiB per VM, default
// 16384), and OBSDTUI_LOG_QUOTA (MiB for all VMs of this user, default 65536).
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listBoots } from './logfiles.ts';

export const DEFAULT_USER_LOG_QUOTA_MIB = 65536;

export type PruneReason = 'keep' | 'vm-quota' | 'user-quota';

export interface Pruned {
	vm: string;
	boot: number;
	bytes: number;
	ms: number;
	reason: PruneReason;
}

const REASONS: Record<PruneReason, string> = {
	keep: 'more boots than logKeep',
	'vm-quota': "over the VM's logQuota",
	'user-quota': 'over OBSDTUI_LOG_QUOTA for all VMs',
};

export function reasonText(r: PruneReason): string {
	return REASONS[r];
}

/** OBSDTUI_LOG_QUOTA in bytes (MiB in the variable). */
export function userQuotaBytes(env: NodeJS.ProcessEnv = process.env): number {
	const v = env.OBSDTUI_LOG_QUOTA;
	const mib = v !== undefined && v !== '' && Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : DEFAULT_USER_LOG_QUOTA_MIB;
	return mib * 1024 * 1024;
}

function bootFiles(vmDir: string, boot: number): string[] {
	const stem = `boot.${String(boot).padStart(3, '0')}.`;
	return readdirSync(vmDir).filter((f) => f.startsWith(stem));
}

/** Bytes on disk of one boot's files (log, index, evidence): sparse holes do not count. */
function bootBytes(vmDir: string, boot: number): number {
	let n = 0;
	for (const f of bootFiles(vmDir, boot)) {
		try {
			const st = statSync(join(vmDir, f));
			n += Math.min(st.size, st.blocks * 512);
		} catch {
			// removed meanwhile
		}
	}
	return n;
}

function retentionPath(vmDir: string): string {
	return join(vmDir, 'retention.log');
}

/** What retention removed from this VM, oldest first. */
export function prunedBoots(vmDir: string): Pruned[] {
	const p = retentionPath(vmDir);
	if (!existsSync(p)) return [];
	const out: Pruned[] = [];
	const vm = vmDir.split('/').pop() ?? '';
	for (const line of readFileSync(p, 'utf8').split('\n')) {
		const m = /^(\d+) (\d+) (\d+) (keep|vm-quota|user-quota)$/.exec(line);
		if (m) out.push({ vm, boot: Number(m[1]), bytes: Number(m[2]), ms: Number(m[3]), reason: m[4] as PruneReason });
	}
	return out;
}

function prune(vmDir: string, vm: string, boot: number, reason: PruneReason, now: number): Pruned {
	const bytes = bootBytes(vmDir, boot);
	for (const f of bootFiles(vmDir, boot)) rmSync(join(vmDir, f), { force: true });
	appendFileSync(retentionPath(vmDir), `${boot} ${bytes} ${now} ${reason}\n`, { mode: 0o600 });
	return { vm, boot, bytes, ms: now, reason };
}

export interface LogUsage {
	boots: number;
	bytes: number;
	pruned: Pruned[];
}

export function logUsage(vmDir: string): LogUsage {
	const boots = listBoots(vmDir);
	return { boots: boots.length, bytes: boots.reduce((n, b) => n + bootBytes(vmDir, b), 0), pruned: prunedBoots(vmDir) };
}

export interface RetentionInput {
	/** The state dir's vms/ directory. */
	vmsDir: string;
	/** The VM whose boot is starting, and that boot's number (not created yet). */
	vm: string;
	boot: number;
	keep: number;
	vmQuotaBytes: number;
	userQuotaBytes: number;
	/** Boots whose helper runs (other VMs' current boots): never removed. */
	running: (vm: string, boot: number) => boolean;
	now?: number;
}

/** Remove old boots' files until the limits hold; returns what was removed. */
export function applyRetention(input: RetentionInput): Pruned[] {
	const now = input.now ?? Date.now();
	const removed: Pruned[] = [];
	const dir = join(input.vmsDir, input.vm);
	// This VM: its boots are all finished (a VM is started only when it is not running).
	// Its newest finished boot is kept whatever the limits: it is the last record of the VM.
	const own = listBoots(dir).filter((b) => b !== input.boot && !input.running(input.vm, b));
	const removable = own.slice(0, -1);
	// `keep` counts the boot being started.
	while (removable.length && own.length + 1 > input.keep) {
		const b = removable.shift()!;
		own.splice(own.indexOf(b), 1);
		removed.push(prune(dir, input.vm, b, 'keep', now));
	}
	let vmBytes = own.reduce((n, b) => n + bootBytes(dir, b), 0);
	while (removable.length && vmBytes > input.vmQuotaBytes) {
		const b = removable.shift()!;
		const p = prune(dir, input.vm, b, 'vm-quota', now);
		vmBytes -= p.bytes;
		removed.push(p);
	}
	// All VMs of this user: the oldest finished boots first (by the log's last write).
	const all: { vm: string; boot: number; bytes: number; mtime: number; newest: boolean }[] = [];
	for (const vm of existsSync(input.vmsDir) ? readdirSync(input.vmsDir) : []) {
		const d = join(input.vmsDir, vm);
		const boots = listBoots(d);
		for (const b of boots) {
			let mtime = 0;
			try {
				mtime = statSync(join(d, `boot.${String(b).padStart(3, '0')}.log`)).mtimeMs;
			} catch {
				continue;
			}
			all.push({ vm, boot: b, bytes: bootBytes(d, b), mtime, newest: b === boots.at(-1) });
		}
	}
	let total = all.reduce((n, x) => n + x.bytes, 0);
	const candidates = all
		.filter((x) => !(x.vm === input.vm && x.boot === input.boot) && !x.newest && !input.running(x.vm, x.boot))
		.sort((a, b) => a.mtime - b.mtime);
	for (const c of candidates) {
		if (total <= input.userQuotaBytes) break;
		const p = prune(join(input.vmsDir, c.vm), c.vm, c.boot, 'user-quota', now);
		total -= c.bytes;
		removed.push(p);
	}
	return removed;
}

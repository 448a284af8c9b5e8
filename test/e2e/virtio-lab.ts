// Shared by the virtio e2e tests: boot the arm64 test guest through the real helper with
// the argv src/helper/qemu.ts builds (plus the helper's -n/-r for an observe network),
// and hand back QMP, the helper connection and the console log. Until the daemon's net
// and screen ops exist these tests drive QEMU and the helper directly.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../../src/common/spec.ts';
import { Qmp } from '../../src/devices/qmp.ts';
import { HelperConnection } from '../../src/helper/connection.ts';
import { bootLogPath } from '../../src/helper/logfiles.ts';
import { netSocketPath, qemuArgv, qmpSocketPath, vmNetSocketPath } from '../../src/helper/qemu.ts';
import { spawnHelper } from '../../src/helper/spawn.ts';
import type { TestGuest } from '../helpers/guest.ts';
import { waitForFile } from '../helpers/guest.ts';
import { alive } from '../integration/helper-harness.ts';

export const HANG_GUARD_MS = 300_000;

export interface Lab {
	vmDir: string;
	log: string;
	qmp: Qmp;
	conn: HelperConnection;
	events: Record<string, unknown>[];
	/** Type a shell command line into the guest. */
	type(line: string): void;
	/** Wait for the console log to match (hang guard only). */
	wait(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}


export async function bootLab(
	t: { after: (fn: () => void | Promise<void>) => void },
	guest: TestGuest,
	spec: { net?: object; gpu?: string; append?: string },
): Promise<Lab> {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-virtio-'));
	const vmDir = join(dir, 'vms', 'v1');
	mkdirSync(vmDir, { recursive: true, mode: 0o700 });
	const s = parseSpec({
		name: 'v1',
		kernel: guest.kernel,
		initrd: guest.initrd,
		append: `${guest.append} ${spec.append ?? ''}`.trim(),
		net: spec.net ?? { mode: 'user' },
		...(spec.gpu ? { gpu: spec.gpu } : {}),
		mem: 512,
	});
	let argv = await qemuArgv(s, vmDir);
	if (s.net.mode === 'observe' && !argv.includes('-n')) {
		const dash = argv.indexOf('--');
		argv = [...argv.slice(0, dash), '-n', netSocketPath(vmDir), '-r', vmNetSocketPath(vmDir), ...argv.slice(dash)];
	}
	await spawnHelper({ vmDir, boot: 1, argv });
	const pid = Number(readFileSync(join(vmDir, 'helper.pid'), 'utf8'));
	const conn = await HelperConnection.connect(vmDir, 10_000);
	const qmp = await Qmp.connect(qmpSocketPath(vmDir), { timeoutMs: 30_000 });
	const events: Record<string, unknown>[] = [];
	conn.on('output', () => {});
	conn.on('event', (ev: Record<string, unknown>) => events.push(ev));
	t.after(async () => {
		await qmp.close();
		conn.close();
		if (alive(pid)) process.kill(pid, 'SIGTERM');
		for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
		if (alive(pid)) process.kill(pid, 'SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	});
	const log = bootLogPath(vmDir, 1);
	return {
		vmDir,
		log,
		qmp,
		conn,
		events,
		type: (line) => conn.input(Buffer.from(line + '\r')),
		wait: (re, timeoutMs = HANG_GUARD_MS) => waitForFile(log, re, timeoutMs),
	};
}

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v !== undefined) return v;
		if (Date.now() > deadline) throw new Error(`hang guard: still waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

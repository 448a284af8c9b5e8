// Shared pieces for the helper integration tests: a temp VM dir, a real helper, and a
// recorder for what a HelperConnection delivers. Timeouts here are hang guards only.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelperConnection } from '../../src/helper/connection.ts';
import { spawnHelper } from '../../src/helper/spawn.ts';
import { bootLogPath } from '../../src/helper/logfiles.ts';

export const HANG_GUARD_MS = 60_000;

export function tmpVmDir(t: { after: (fn: () => void) => void }): string {
	const dir = mkdtempSync(join(tmpdir(), 'obsdtui-helper-'));
	t.after(() => {
		// A SIGKILLed helper cannot stop its child: kill the children the index recorded
		// (`started` events) too, or a paused QEMU outlives the test.
		for (const name of readdirSync(dir).filter((n) => n.endsWith('.idx'))) {
			for (const m of readFileSync(join(dir, name), 'utf8').matchAll(/"child_pid":(\d+)/g)) {
				if (alive(Number(m[1]))) process.kill(Number(m[1]), 'SIGKILL');
			}
		}
		const pid = helperPid(dir);
		if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	});
	return dir;
}

/** Start a helper whose console is `/bin/sh -c script` on a pty. */
export async function startExec(vmDir: string, script: string, boot = 1): Promise<number> {
	await spawnHelper({ vmDir, boot, argv: ['exec', '-w', '80x24', '--', '/bin/sh', '-c', script] });
	return helperPid(vmDir)!;
}

export function helperPid(vmDir: string): number | undefined {
	try {
		return Number(readFileSync(join(vmDir, 'helper.pid'), 'utf8').trim());
	} catch {
		return undefined;
	}
}

export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

export async function waitUntil(cond: () => boolean, what: string, timeoutMs = HANG_GUARD_MS): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!cond()) {
		if (Date.now() > deadline) throw new Error(`hang guard: still waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

export function readLog(vmDir: string, boot = 1): Buffer {
	const p = bootLogPath(vmDir, boot);
	return existsSync(p) ? readFileSync(p) : Buffer.alloc(0);
}

/** Everything one connection delivered, in order. */
export class Recorder {
	chunks: { offset: number; bytes: Buffer }[] = [];
	events: Record<string, unknown>[] = [];
	closed = false;

	constructor(readonly conn: HelperConnection) {
		conn.on('output', (offset: number, bytes: Buffer) => this.chunks.push({ offset, bytes }));
		conn.on('event', (ev: Record<string, unknown>) => this.events.push(ev));
		conn.on('close', () => (this.closed = true));
	}

	static async connect(vmDir: string): Promise<Recorder> {
		return new Recorder(await HelperConnection.connect(vmDir, 10_000));
	}

	text(): string {
		return Buffer.concat(this.chunks.map((c) => c.bytes)).toString('latin1');
	}

	event(name: string): Record<string, unknown> | undefined {
		return this.events.find((e) => e.event === name);
	}

	waitText(s: string): Promise<void> {
		return waitUntil(() => this.text().includes(s), JSON.stringify(s));
	}

	waitEvent(name: string): Promise<Record<string, unknown>> {
		return waitUntil(() => this.event(name) !== undefined, `event ${name}`).then(() => this.event(name)!);
	}

	waitClose(): Promise<void> {
		return waitUntil(() => this.closed, 'the connection to close');
	}
}

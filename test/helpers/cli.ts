// Run the real `obsdtui` CLI (the bundle, as users get it) in an isolated environment:
// its own runtime and state dirs, so tests never touch the user's daemon or VMs, and
// short paths, because unix socket paths are limited to ~100 bytes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { connect } from 'node:net';
import { encodeJson, FrameDecoder, parseJsonPayload } from '../../src/common/frame.ts';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'obsdtui.js');

export interface RunResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

export class Sandbox {
	readonly dir: string;
	readonly env: NodeJS.ProcessEnv;

	constructor(prefix = 'ot') {
		this.dir = mkdtempSync(`/tmp/${prefix}-`);
		this.env = {
			...process.env,
			OBSDTUI_RUNTIME_DIR: join(this.dir, 'run'),
			OBSDTUI_STATE_DIR: join(this.dir, 'state'),
			CI: 'false',
		};
		delete this.env.OBSDTUI_FROM_SOURCE;
	}

	/** Run a command to completion (a hang guard kills it after `timeoutMs`). */
	run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
		return new Promise((resolve) => {
			const child = spawn(process.execPath, [BIN, ...args], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (d) => (stdout += d));
			child.stderr.on('data', (d) => (stderr += d));
			const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
			child.on('close', (code) => {
				clearTimeout(guard);
				resolve({ code, stdout, stderr });
			});
			child.stdin.end(opts.input ?? '');
		});
	}

	/** Like run(), but fails the test with both streams when the command fails. */
	async ok(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
		const r = await this.run(args, opts);
		if (r.code !== 0) throw new Error(`obsdtui ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
		return r.stdout;
	}

	/** One request on a raw daemon connection (no auto-start, no hello); resolves with the reply. */
	request(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
		return new Promise((resolve, reject) => {
			const s = connect(join(this.dir, 'run', 'daemon.sock'));
			const dec = new FrameDecoder();
			s.on('data', (d) => {
				for (const f of dec.push(d)) {
					const reply = parseJsonPayload(f.payload);
					if (reply.id === 1) {
						s.destroy();
						resolve(reply);
					}
				}
			});
			s.on('error', reject);
			s.on('connect', () => s.write(encodeJson({ id: 1, ...msg })));
		});
	}

	vmDir(name: string): string {
		return join(this.dir, 'state', 'vms', name);
	}

	daemonPid(): number | undefined {
		try {
			return Number(readFileSync(join(this.dir, 'run', 'daemon.pid'), 'utf8'));
		} catch {
			// no daemon, or one that is just removing its pid file
			return undefined;
		}
	}

	/** Stop the daemon and every helper of this sandbox, then remove its files. */
	cleanup(): void {
		spawnSync(process.execPath, [BIN, 'daemon', 'stop'], { env: this.env, timeout: 10000 });
		const vms = join(this.dir, 'state', 'vms');
		if (existsSync(vms)) {
			for (const name of readdirSync(vms)) {
				const pidFile = join(vms, name, 'helper.pid');
				if (!existsSync(pidFile)) continue;
				try {
					process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
				} catch {
					// already gone
				}
			}
		}
		const pid = this.daemonPid();
		if (pid) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// already gone
			}
		}
		if (!process.env.OBSDTUI_KEEP_TEST_DIRS) rmSync(this.dir, { recursive: true, force: true });
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` until it returns a truthy value; a hang guard, not a timing assertion. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30000): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await check();
		if (v) return v as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(100);
	}
}

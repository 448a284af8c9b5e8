// Keystroke-to-echo latency: one byte typed by a viewer goes to the daemon, the helper and
// a guest that echoes it (an exec console running `cat` on a raw pty), and back the same
// way; against the same echo program on a pseudo-terminal read and written directly
// (node-pty), measured in the same run. One byte at a time, each after the previous echo,
// with a short pause between them (a person types; the console is otherwise idle).
import { setTimeout as sleep } from 'node:timers/promises';
import pty from 'node-pty';
import { Sandbox, until } from '../test/helpers/cli.ts';

const N = Number(process.env.BENCH_LATENCY_KEYS ?? 300);
const ECHO = 'stty raw -echo; echo READY; exec cat';

function pct(xs: number[], p: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Type N keys through `send` and time each until `echo` has brought it back. */
async function measure(send: (b: string) => void, onEcho: (f: (s: string) => void) => void): Promise<number[]> {
	let want = '';
	let got: (() => void) | null = null;
	let seen = '';
	onEcho((s) => {
		seen += s;
		if (got && seen.includes(want)) {
			const g = got;
			got = null;
			g();
		}
	});
	const out: number[] = [];
	for (let i = 0; i < N; i++) {
		want = String.fromCharCode(97 + (i % 26));
		seen = '';
		const echoed = new Promise<void>((resolve) => (got = resolve));
		const t0 = process.hrtime.bigint();
		send(want);
		await echoed;
		out.push(Number(process.hrtime.bigint() - t0) / 1e6);
		await sleep(5);
	}
	return out;
}

async function direct(): Promise<number[]> {
	const p = pty.spawn('/bin/sh', ['-c', ECHO], { cols: 80, rows: 24 });
	let ready = '';
	await new Promise<void>((resolve) => {
		const d = p.onData((s) => {
			ready += s;
			if (ready.includes('READY')) {
				d.dispose();
				resolve();
			}
		});
	});
	try {
		return await measure((b) => p.write(b), (f) => p.onData(f));
	} finally {
		p.kill();
	}
}

async function viaObsdtui(box: Sandbox): Promise<number[]> {
	const { connectDaemon } = await import('../src/client/client.ts');
	await box.ok(['up', 'lat', '--exec', ECHO]);
	await box.ok(['wait', 'lat', '--for', 'READY']);
	process.env.OBSDTUI_RUNTIME_DIR = box.env.OBSDTUI_RUNTIME_DIR;
	process.env.OBSDTUI_STATE_DIR = box.env.OBSDTUI_STATE_DIR;
	const client = await connectDaemon({ autostart: false });
	try {
		const s = client.console('lat');
		let snap = false;
		s.on('snapshot', () => (snap = true));
		const listeners: ((x: string) => void)[] = [];
		s.on('data', (b: Buffer) => {
			for (const l of listeners) l(b.toString('latin1'));
		});
		await s.attach('rw');
		await until(() => snap, 'the attach snapshot');
		return await measure((b) => s.write(b), (f) => listeners.push(f));
	} finally {
		client.close();
		await box.ok(['down', 'lat', '--force']);
	}
}

const box = new Sandbox('otl');
try {
	await box.ok(['ls']);
	// Interleaved halves, so a busy moment of the machine hits both sides alike.
	const base: number[] = [];
	const ours: number[] = [];
	for (let i = 0; i < 2; i++) {
		base.push(...(await direct()));
		ours.push(...(await viaObsdtui(box)));
	}
	const f = (x: number) => x.toFixed(2).padStart(6);
	console.log(`   ${base.length} keys each, one at a time`);
	console.log(`   direct pty (baseline)                 p50 ${f(pct(base, 50))} ms  p99 ${f(pct(base, 99))} ms`);
	console.log(`   viewer->daemon->helper->guest->back   p50 ${f(pct(ours, 50))} ms  p99 ${f(pct(ours, 99))} ms  (p99 ${(pct(ours, 99) - pct(base, 99)).toFixed(2)} ms over the baseline)`);
} finally {
	box.cleanup();
}

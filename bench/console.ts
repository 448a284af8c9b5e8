// Console throughput: bytes from an exec console source through the native helper, the
// log and the daemon to 1 and to 8 attached viewers, against `cat` of the same bytes
// through a pseudo-terminal (node-pty) — the same kernel path a console's bytes take
// into the helper, with nothing after it. conserver (Debian conserver-server and
// conserver-client), when installed, gets the same data the same way: a private config
// in a temporary dir, `type exec`, loopback only, spy clients. Ratios are speeds
// (baseline time / time): 1.00 is as fast as cat through a pty.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pty from 'node-pty';
import { Sandbox, until } from '../test/helpers/cli.ts';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_CONSOLE_MB ?? 24) * MB;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const END = 'BENCH-END';

function makeData(path: string): void {
	// Realistic console text: an OpenBSD dmesg-like mix, with some colour.
	const lines = [
		'vio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu 9000',
		'\x1b[1mstarting network daemons:\x1b[0m sshd smtpd.',
		'pluart0 at mainbus0: rev 1, 16 byte fifo',
		'ddb{0}> trace',
		'uvm_fault(0xffffff80, 0x98, 0, 1) -> e',
	];
	const parts: string[] = [];
	let n = 0;
	for (let i = 0; n < SIZE; i++) {
		const l = `${String(i).padStart(8)} ${lines[i % lines.length]}\n`;
		parts.push(l);
		n += l.length;
	}
	writeFileSync(path, parts.join(''));
}

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Calls done() once the end marker has gone by (in a chunk, or across two). */
function endWatcher(done: () => void): (b: Buffer | string) => void {
	let tail = '';
	let seen = false;
	return (b) => {
		if (seen) return;
		const s = typeof b === 'string' ? b : b.toString('latin1', 0, Math.min(b.length, 64));
		const hit = (tail + s.slice(0, 64)).includes(END) || (typeof b === 'string' ? b.includes(END) : b.includes(END));
		const end = typeof b === 'string' ? b.slice(-64) : b.subarray(-64).toString('latin1');
		tail = (tail + end).slice(-64);
		if (hit) {
			seen = true;
			done();
		}
	};
}

/** Baseline: cat through a pty; time until the end marker is read. */
function catThroughPty(file: string): Promise<number> {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		const p = pty.spawn('/bin/sh', ['-c', `cat ${file}; echo ${END}; sleep 1`], { cols: 80, rows: 24 });
		p.onData(
			endWatcher(() => {
				resolve(Number(process.hrtime.bigint() - t0) / 1e6);
				p.kill();
			}),
		);
	});
}

async function throughObsdtui(box: Sandbox, file: string, viewers: number, run: number): Promise<number> {
	const { connectDaemon } = await import('../src/client/client.ts');
	const name = `b${viewers}-${run}`;
	const gate = join(box.dir, `go-${name}`);
	await box.ok(['up', name, '--exec', `while [ ! -f ${gate} ]; do sleep 0.02; done; cat ${file}; echo ${END}; sleep 600`]);
	process.env.OBSDTUI_RUNTIME_DIR = box.env.OBSDTUI_RUNTIME_DIR;
	process.env.OBSDTUI_STATE_DIR = box.env.OBSDTUI_STATE_DIR;
	const clients = await Promise.all(Array.from({ length: viewers }, () => connectDaemon({ autostart: false })));
	const done: Promise<void>[] = [];
	for (const c of clients) {
		const s = c.console(name);
		done.push(
			new Promise((resolve) => {
				const see = endWatcher(resolve);
				s.on('data', see);
				s.on('snapshot', see);
			}),
		);
		await s.attach('spy');
	}
	const t0 = process.hrtime.bigint();
	writeFileSync(gate, '');
	await Promise.all(done);
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	for (const c of clients) c.close();
	const log = join(box.vmDir(name), 'boot.001.log');
	await until(() => readFileSync(log, 'latin1').includes(END), 'the log to hold the end marker');
	if (statSync(log).size < SIZE) throw new Error(`log is short: ${statSync(log).size} < ${SIZE}`);
	await box.ok(['down', name, '--force']);
	return ms;
}

function installed(cmd: string): boolean {
	return spawnSync(cmd, ['-V'], { stdio: 'ignore' }).error === undefined;
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => resolve(port));
		});
	});
}

/**
 * conserver with a private config (nothing under /etc is read or written): one `type exec`
 * console that waits for a gate file, then cats the data; it logs to a file as obsdtui
 * does; `viewers` spy clients (`console -s`) read it over loopback.
 */
async function throughConserver(box: Sandbox, file: string, viewers: number, run: number): Promise<number> {
	const dir = box.dir;
	const name = `c${viewers}-${run}`;
	const gate = join(dir, `go-${name}`);
	const feed = join(dir, `feed-${name}.sh`);
	writeFileSync(feed, `#!/bin/sh\nwhile [ ! -f ${gate} ]; do sleep 0.02; done\ncat ${file}\necho ${END}\nexec sleep 600\n`);
	chmodSync(feed, 0o755);
	const cf = join(dir, `${name}.cf`);
	writeFileSync(
		cf,
		[
			'config * { defaultaccess allowed; }',
			`default * { logfile ${dir}/&.log; rw *; timestamp ""; }`,
			`console ${name} { master 127.0.0.1; type exec; exec ${feed}; }`,
			'access * { trusted 127.0.0.1; }',
			'',
		].join('\n'),
	);
	const passwd = join(dir, 'conserver.passwd');
	writeFileSync(passwd, '*any*:\n');
	const port = await freePort();
	const server = spawn('conserver', [`-C${cf}`, `-P${passwd}`, `-p${port}`, '-M127.0.0.1', '-atrusted', `-L${dir}/${name}.err`], { stdio: 'ignore', detached: true });
	const clients: ChildProcess[] = [];
	try {
		// Up when the client lists the console as up.
		await until(() => /\bup\b/.test(spawnSync('console', ['-n', '-M127.0.0.1', `-p${port}`, '-u'], { encoding: 'utf8' }).stdout ?? ''), 'conserver to run the console');
		const got = new Map<number, number>(); // bytes each client read; -1 once it saw the end
		let allSeen = () => {};
		const seen = new Promise<void>((resolve) => (allSeen = resolve));
		for (let i = 0; i < viewers; i++) {
			const c = spawn('console', ['-n', '-M127.0.0.1', `-p${port}`, '-s', name], { stdio: ['ignore', 'pipe', 'ignore'] });
			clients.push(c);
			// Every client is greeted with this line once it is attached ("[spying]" is not
			// always printed).
			let greeting = '';
			const attached = new Promise<void>((resolve) => {
				c.stdout!.on('data', function first(b: Buffer) {
					greeting += b.toString('latin1');
					if (greeting.includes('for help]')) {
						c.stdout!.off('data', first);
						resolve();
					}
				});
			});
			const see = endWatcher(() => {
				got.set(i, -1);
				if ([...got.values()].every((n) => n < 0)) allSeen();
			});
			got.set(i, 0);
			c.stdout!.on('data', (b: Buffer) => {
				if (got.get(i)! >= 0) got.set(i, got.get(i)! + b.length);
				see(b);
			});
			await attached;
		}
		const t0 = process.hrtime.bigint();
		writeFileSync(gate, '');
		// A hang guard, not a figure: say which client did not see the end.
		let guard: NodeJS.Timeout | undefined;
		await Promise.race([
			seen,
			new Promise((_, reject) => (guard = setTimeout(() => reject(new Error(`conserver: not every spy client saw the end (bytes read: ${[...got.values()].join(' ')})`)), 120_000))),
		]);
		clearTimeout(guard);
		return Number(process.hrtime.bigint() - t0) / 1e6;
	} finally {
		for (const c of clients) c.kill();
		try {
			process.kill(-server.pid!, 'SIGTERM'); // its group: the master, its child, the console's command
		} catch {
			// already gone
		}
	}
}

const box = new Sandbox('otb');
try {
	const file = join(box.dir, 'data.txt');
	makeData(file);
	await box.ok(['daemon', 'status']).catch(() => box.ok(['ls']));
	const conserver = installed('conserver') && installed('console');
	const base: number[] = [];
	const series = new Map<string, number[]>();
	const failures: string[] = [];
	const add = (k: string, ms: number) => series.set(k, [...(series.get(k) ?? []), ms]);
	for (let r = 0; r < RUNS; r++) {
		base.push(await catThroughPty(file));
		for (const v of [1, 8]) {
			add(`obsdtui helper+log+daemon -> ${v} viewer${v > 1 ? 's' : ''}`, await throughObsdtui(box, file, v, r));
			if (conserver) {
				const label = `conserver -> ${v} spy client${v > 1 ? 's' : ''}`;
				try {
					add(label, await throughConserver(box, file, v, r));
				} catch (err) {
					failures.push(`${label}, run ${r + 1}: ${(err as Error).message}`);
				}
			}
		}
	}
	const mbs = (ms: number) => (SIZE / MB / (ms / 1000)).toFixed(1);
	const b = median(base);
	console.log(`   ${(SIZE / MB).toFixed(0)} MB of console text, median of ${RUNS} runs (interleaved); ratio = speed / baseline speed`);
	console.log(`   ${'cat through a pty (baseline)'.padEnd(44)} ${mbs(b).padStart(7)} MB/s  ratio 1.00`);
	for (const [k, xs] of series) console.log(`   ${k.padEnd(44)} ${mbs(median(xs)).padStart(7)} MB/s  ratio ${(b / median(xs)).toFixed(2)}`);
	if (!conserver) console.log('   conserver: skipped: not installed');
	for (const f of failures) console.log(`   failed: ${f}`);
} finally {
	box.cleanup();
}

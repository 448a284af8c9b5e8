// Console throughput: bytes from an exec console source through the native helper, the
// log and the daemon to 1 and to 8 attached viewers, against `cat` of the same bytes
// through a pseudo-terminal (node-pty) — the same kernel path a console's bytes take
// into the helper, with nothing after it.
import { writeFileSync, readFileSync, statSync } from 'node:fs';
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
	return s[Math.floor(s.length / 2)];
}

/** Baseline: cat through a pty; time until the end marker is read. */
function catThroughPty(file: string): Promise<number> {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		const p = pty.spawn('/bin/sh', ['-c', `cat ${file}; echo ${END}; sleep 1`], { cols: 80, rows: 24 });
		let tail = '';
		p.onData((d) => {
			tail = (tail + d).slice(-64);
			if (tail.includes(END)) {
				resolve(Number(process.hrtime.bigint() - t0) / 1e6);
				p.kill();
			}
		});
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
				let tail = '';
				const see = (b: Buffer) => {
					tail = (tail + b.toString('latin1')).slice(-64);
					if (tail.includes(END)) resolve();
				};
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

const box = new Sandbox('otb');
try {
	const file = join(box.dir, 'data.txt');
	makeData(file);
	await box.ok(['daemon', 'status']).catch(() => box.ok(['ls']));
	const base: number[] = [];
	const one: number[] = [];
	const eight: number[] = [];
	for (let r = 0; r < RUNS; r++) {
		base.push(await catThroughPty(file));
		one.push(await throughObsdtui(box, file, 1, r));
		eight.push(await throughObsdtui(box, file, 8, r));
	}
	const mbs = (ms: number) => (SIZE / MB / (ms / 1000)).toFixed(1);
	const b = median(base);
	console.log(`   ${(SIZE / MB).toFixed(0)} MB of console text, median of ${RUNS} runs (interleaved)`);
	console.log(`   cat through a pty (baseline)        ${mbs(b).padStart(7)} MB/s  ratio 1.00`);
	console.log(`   helper+log+daemon -> 1 viewer       ${mbs(median(one)).padStart(7)} MB/s  ratio ${(median(one) / b).toFixed(2)} (time vs baseline)`);
	console.log(`   helper+log+daemon -> 8 viewers      ${mbs(median(eight)).padStart(7)} MB/s  ratio ${(median(eight) / b).toFixed(2)} (time vs baseline)`);
} finally {
	box.cleanup();
}

// The TUI's cost to the viewer: bytes written to the viewer's terminal per second and CPU
// seconds per guest MB while a recorded boot plays, each against tmux showing the same
// stream in the same run: an 80x24 guest in a 120x40 terminal (tmux: an 80x24 window,
// `window-size manual`, in a 120x40 client), and in an 80x24 terminal (both full width;
// tmux's pane is 80x23 under its status line, like our pane above ours). Not a test;
// prints a table.
//
//   BENCH_TUI_SECONDS  length of the serial-paced stream (default 8)
//   BENCH_TUI_MB       size of the burst (default 4)
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyRun, ROOT } from '../test/helpers/pty.ts';
import { SERIAL_BYTES_PER_SECOND } from '../src/term/recording.ts';

// The baseline is tmux itself: without it there is nothing to compare against.
if (spawnSync('tmux', ['-V']).status !== 0) {
	console.log('tui: skipped (tmux is not installed)');
	process.exit(0);
}

const COLS = 120;
const ROWS = 40;
const SECONDS = Number(process.env.BENCH_TUI_SECONDS ?? 8);
const BURST_MB = Number(process.env.BENCH_TUI_MB ?? 4);
const END = 'BENCH-TUI-END';
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-bench-tui-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A real boot and ddb session (the demo's transcripts), repeated to `bytes`, CR LF lines. */
function makeLog(name, bytes) {
	const text = ['arm64-qemu-virt-7.4-installer-boot.txt', 'amd64-panic-uvm_fault-ddb-session.txt']
		.map((f) => readFileSync(join(ROOT, 'share', 'demo', f), 'utf8'))
		.join('\n')
		.replace(/\n/g, '\r\n');
	let out = '';
	while (out.length < bytes) out += text;
	out = out.slice(0, bytes) + `\r\n${END}\r\n`;
	const file = join(dir, name);
	writeFileSync(file, out);
	return { file, bytes: Buffer.byteLength(out) };
}

/** Plays a plain log the way `obsdtui replay` does: line pieces at 115200 baud x speed. */
const PACER = join(dir, 'pacer.mjs');
writeFileSync(
	PACER,
	`import { readFileSync } from 'node:fs';
const [file, speed] = [process.argv[2], Number(process.argv[3])];
const b = readFileSync(file);
const t0 = Date.now();
let start = 0;
const step = () => {
	const due = ((Date.now() - t0) / 1000) * ${SERIAL_BYTES_PER_SECOND} * speed;
	while (start < b.length && start <= due) {
		const nl = b.indexOf(10, start);
		const end = Math.min(nl < 0 ? b.length : nl + 1, start + 512);
		process.stdout.write(b.subarray(start, end));
		start = end;
	}
	if (start < b.length) setTimeout(step, Math.max(1, Math.min(1000, ((start / ${SERIAL_BYTES_PER_SECOND} / speed) * 1000) - (Date.now() - t0))));
	else setTimeout(() => {}, 600000);
};
step();
`,
);

function cpuSeconds(pids) {
	let ticks = 0;
	for (const pid of pids) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks += Number(f[11]) + Number(f[12]); // utime, stime
		} catch {
			// gone
		}
	}
	return ticks / TICK;
}

async function ours(file, speed, cols = COLS, rows = ROWS) {
	const run = new PtyRun(['replay', file, '--speed', String(speed)], { cols, rows });
	const t0 = Date.now();
	await run.waitForScreen(END, 600000);
	const seconds = (Date.now() - t0) / 1000;
	const cpu = cpuSeconds([run.pty.pid]);
	const bytes = run.written;
	run.write('q');
	await run.exited;
	return { bytes, cpu, seconds };
}

/** tmux showing `command`: an 80x24 window in a cols x rows client, or (fit) the client's size. */
async function tmux(command, cols = COLS, rows = ROWS, fit = false) {
	const sock = `obsdtui-bench-${process.pid}-${Math.random().toString(36).slice(2)}`;
	const t = (...a) => execFileSync('tmux', ['-L', sock, '-f', '/dev/null', ...a], { encoding: 'utf8' });
	t('new-session', '-d', '-x', '80', '-y', '24', `tmux -L ${sock} wait-for go; ${command}; sleep 600`);
	if (!fit) {
		t('set-option', '-g', 'window-size', 'manual');
		t('resize-window', '-t', '0', '-x', '80', '-y', '24');
	}
	const server = Number(t('display-message', '-p', '#{pid}').trim());
	const run = new PtyRun(['-L', sock, '-f', '/dev/null', 'attach'], { cols, rows, file: 'tmux' });
	try {
		await run.waitFor((o) => o.length > 0, 10000, 'tmux to draw');
		const cpu0 = cpuSeconds([server, run.pty.pid]);
		const bytes0 = run.written;
		const t0 = Date.now();
		t('wait-for', '-S', 'go');
		await run.waitForScreen(END, 600000);
		const seconds = (Date.now() - t0) / 1000;
		return { bytes: run.written - bytes0, cpu: cpuSeconds([server, run.pty.pid]) - cpu0, seconds };
	} finally {
		run.kill();
		spawnSync('tmux', ['-L', sock, 'kill-server']);
	}
}

const fmt = (n, d = 2) => (n >= 100 ? n.toFixed(0) : n.toFixed(d));
const rows = [];

// Startup CPU of the TUI (bundle load, first frame), to take out of its per-MB figure.
const tiny = makeLog('tiny.log', 100);
const idle = await ours(tiny.file, 1e9);

const steady = makeLog('steady.log', Math.round(SECONDS * SERIAL_BYTES_PER_SECOND));
const o1 = await ours(steady.file, 1);
const t1 = await tmux(`node ${PACER} ${steady.file} 1`);
rows.push(['serial-paced boot: bytes/s to terminal', fmt(o1.bytes / o1.seconds / 1024) + ' KiB', fmt(t1.bytes / t1.seconds / 1024) + ' KiB', fmt(o1.bytes / o1.seconds / (t1.bytes / t1.seconds))]);

// An 80x24 terminal (a default ssh session): the guest has the full width, both scroll it.
const o3 = await ours(steady.file, 1, 80, 24);
const t3 = await tmux(`node ${PACER} ${steady.file} 1`, 80, 24, true);
rows.push(['same, in an 80x24 terminal: bytes/s', fmt(o3.bytes / o3.seconds / 1024) + ' KiB', fmt(t3.bytes / t3.seconds / 1024) + ' KiB', fmt(o3.bytes / o3.seconds / (t3.bytes / t3.seconds))]);

const burst = makeLog('burst.log', BURST_MB * 1024 * 1024);
const o2 = await ours(burst.file, 1e9);
const t2 = await tmux(`cat ${burst.file}`);
const mb = burst.bytes / 1024 / 1024;
rows.push([`${BURST_MB} MB burst: bytes to terminal`, fmt(o2.bytes / 1024) + ' KiB', fmt(t2.bytes / 1024) + ' KiB', fmt(o2.bytes / t2.bytes)]);
const oCpu = Math.max(0, o2.cpu - idle.cpu) / mb;
const tCpu = t2.cpu / mb;
rows.push([`${BURST_MB} MB burst: CPU s per guest MB`, fmt(oCpu, 3), fmt(tCpu, 3), tCpu > 0 ? fmt(oCpu / tCpu) : 'n/a']);
const oSteadyCpu = Math.max(0, o1.cpu - idle.cpu) / (steady.bytes / 1024 / 1024);
const tSteadyCpu = t1.cpu / (steady.bytes / 1024 / 1024);
rows.push(['serial-paced boot: CPU s per guest MB', fmt(oSteadyCpu, 3), fmt(tSteadyCpu, 3), tSteadyCpu > 0 ? fmt(oSteadyCpu / tSteadyCpu) : 'n/a']);

console.log(`80x24 guest in a ${COLS}x${ROWS} terminal; steady stream ${fmt(steady.bytes / 1024)} KiB at 115200 baud, burst ${BURST_MB} MB; TUI startup ${fmt(idle.cpu)} s CPU (subtracted)`);
const head = ['', 'obsdtui', 'tmux', 'ratio'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));

// Daemon memory: resident set size of the daemon with 10 consoles that have each printed
// 100k lines (so each console's screen holds its full scrollback, its parser its boot and
// its text window its tail), against the same daemon just started with no VMs, in the
// same run. Goal: at most 150 MB with the consoles.
import { readFileSync } from 'node:fs';
import { Sandbox } from '../test/helpers/cli.ts';

const CONSOLES = Number(process.env.BENCH_MEMORY_CONSOLES ?? 10);
const LINES = Number(process.env.BENCH_MEMORY_LINES ?? 100_000);

function rssMB(pid: number): number {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
}

const box = new Sandbox('otm');
try {
	await box.ok(['ls']);
	const pid = box.daemonPid()!;
	const idle = rssMB(pid);
	// Console-like lines (some colour, a dmesg mix), then a marker to wait for.
	const prog = `awk 'BEGIN { for (i = 0; i < ${LINES}; i++) printf "%8d %s\\n", i, (i % 3 == 0 ? "vio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu 9000" : (i % 3 == 1 ? "\\033[1mstarting network daemons:\\033[0m sshd smtpd." : "uvm_fault(0xffffff80, 0x98, 0, 1) -> e")) }'; echo MEMORY-DONE; exec sleep 600`;
	const names = Array.from({ length: CONSOLES }, (_, i) => `m${i}`);
	for (const n of names) await box.ok(['up', n, '--exec', prog]);
	for (const n of names) await box.ok(['wait', n, '--for', 'MEMORY-DONE', '--timeout', '600'], { timeoutMs: 700_000 });
	// Let the screens finish parsing and a collection happen on its own.
	await new Promise((r) => setTimeout(r, 3000));
	const full = rssMB(pid);
	console.log(`   daemon RSS, idle with no VMs (baseline)       ${idle.toFixed(0).padStart(5)} MB`);
	console.log(`   daemon RSS, ${CONSOLES} consoles x ${LINES} lines each     ${full.toFixed(0).padStart(5)} MB  (${(full / idle).toFixed(2)}x the idle daemon; goal <= 150 MB)`);
	for (const n of names) await box.ok(['down', n, '--force']);
} finally {
	box.cleanup();
}

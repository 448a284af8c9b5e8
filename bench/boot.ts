// Boot: the arm64 test guest (test/guest/build.mjs) from start to its "OBSDTUI-GUEST:
// ready" line under obsdtui (`obsdtui up`: helper, log, daemon) against bare QEMU with
// the same arguments (taken from the helper's own command line), its serial console
// written to a file instead of the helper's socket. Both consoles are files polled every
// 20 ms. Runs alternate; medians. QEMU runs under TCG here, so the boot is long and the
// ratio is what counts. Skipped without QEMU.
import { spawn } from 'node:child_process';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sandbox } from '../test/helpers/cli.ts';
import { testGuest, guestUnavailableReason } from '../test/helpers/guest.ts';

const RUNS = Number(process.env.BENCH_BOOT_RUNS ?? 3);
const READY = 'OBSDTUI-GUEST: ready';

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function untilFileHas(file: string, text: string, guardMs = 600_000): Promise<void> {
	const deadline = Date.now() + guardMs;
	for (;;) {
		if (existsSync(file) && readFileSync(file, 'latin1').includes(text)) return;
		if (Date.now() > deadline) throw new Error(`${file} never showed ${text}`);
		await sleep(20);
	}
}

const g = await testGuest();
if (!g) {
	console.log(`   skipped: ${guestUnavailableReason()}`);
	process.exit(0);
}
const box = new Sandbox('otg');
try {
	await box.ok(['ls']);
	const up = ['--kernel', g.kernel, '--initrd', g.initrd, '--append', g.append, '--mem', '512'];
	const ours: number[] = [];
	const bare: number[] = [];
	let qemuArgv: string[] | undefined;
	for (let r = 0; r < RUNS; r++) {
		const name = `g${r}`;
		const t0 = Date.now();
		await box.ok(['up', name, ...up]);
		const log = join(box.vmDir(name), 'boot.001.log');
		await untilFileHas(log, READY);
		ours.push(Date.now() - t0);
		if (!qemuArgv) {
			// The QEMU argv the helper runs: everything after its `--`.
			const pid = Number(readFileSync(join(box.vmDir(name), 'helper.pid'), 'utf8'));
			const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
			qemuArgv = argv.slice(argv.indexOf('--') + 1);
		}
		await box.ok(['down', name, '--force']);

		const file = join(box.dir, `bare-${r}.log`);
		mkdirSync(join(box.dir, `bare-${r}`), { recursive: true });
		// The same arguments; only the serial chardev is a file instead of the helper's socket.
		const args = qemuArgv.slice(1).map((a) => (/^socket,id=ser0,/.test(a) ? `file,id=ser0,path=${file}` : a.replaceAll(box.vmDir(name), join(box.dir, `bare-${r}`))));
		const t1 = Date.now();
		const q = spawn(qemuArgv[0], args, { stdio: 'ignore' });
		try {
			await untilFileHas(file, READY);
			bare.push(Date.now() - t1);
		} finally {
			q.kill('SIGKILL');
		}
	}
	const b = median(bare);
	console.log(`   test guest to "${READY}", median of ${RUNS} (alternating)`);
	console.log(`   bare QEMU, same arguments (baseline)  ${(b / 1000).toFixed(2).padStart(6)} s  ratio 1.00`);
	console.log(`   obsdtui up (helper+log+daemon)        ${(median(ours) / 1000).toFixed(2).padStart(6)} s  ratio ${(median(ours) / b).toFixed(3)} (time; goal <= 1.02)`);
} finally {
	box.cleanup();
}

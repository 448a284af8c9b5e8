// What the device panels cost: CPU of QEMU plus this process (the daemon's share) per
// second of an idle guest at its shell, with the framebuffer sampler and the QMP poller
// running at their default rates, as a ratio against the same VM with the panels off,
// measured in the same run (off, on, off again, so drift shows). Not a test: numbers
// vary by machine; the ratio is what to compare.
//
//   node --import tsx bench/devices.mjs [seconds-per-phase]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HZ = 100; // USER_HZ on Linux: /proc/PID/stat counts clock ticks

function procCpuMs(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ;
}

function selfCpuMs() {
	const u = process.cpuUsage();
	return (u.user + u.system) / 1000;
}

async function phase(name, qemuPid, seconds, start) {
	const stop = start();
	const q0 = procCpuMs(qemuPid);
	const s0 = selfCpuMs();
	const t0 = performance.now();
	await new Promise((r) => setTimeout(r, seconds * 1000));
	const wall = (performance.now() - t0) / 1000;
	const qemu = (procCpuMs(qemuPid) - q0) / wall;
	const self = (selfCpuMs() - s0) / wall;
	await stop();
	return { name, qemuMsPerS: qemu, daemonMsPerS: self, totalMsPerS: qemu + self };
}

export async function run({ seconds = Number(process.argv[2]) || 15 } = {}) {
	const { testGuest, guestUnavailableReason } = await import('../test/helpers/guest.ts');
	const { bootLab } = await import('../test/e2e/virtio-lab.ts');
	const { FramebufferMonitor } = await import('../src/devices/framebuffer.ts');
	const { NetMonitor } = await import('../src/devices/net.ts');
	const guest = await testGuest();
	if (!guest) return { skipped: guestUnavailableReason() };
	const cleanups = [];
	try {
		const lab = await bootLab({ after: (fn) => cleanups.push(fn) }, guest, { gpu: '1280x800', net: { mode: 'user', mtu: 9000 } });
		await lab.wait(/OBSDTUI-GUEST: ready\r?\n[^]*# /);
		const qemuPid = lab.conn.hello.child_pid;
		// Let the boot's tail (module loading, first draws) settle.
		await new Promise((r) => setTimeout(r, 3000));
		const off = () => () => {};
		const on = () => {
			const fb = new FramebufferMonitor(lab.qmp);
			const net = new NetMonitor(lab.qmp);
			fb.start();
			net.start();
			return async () => {
				fb.close();
				net.stop();
			};
		};
		const phases = [];
		phases.push(await phase('panels off', qemuPid, seconds, off));
		phases.push(await phase('panels on', qemuPid, seconds, on));
		phases.push(await phase('panels off again', qemuPid, seconds, off));
		const base = (phases[0].totalMsPerS + phases[2].totalMsPerS) / 2;
		return { seconds, phases, ratio: phases[1].totalMsPerS / base };
	} finally {
		for (const fn of cleanups.reverse()) await fn();
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const r = await run();
	if (r.skipped) {
		console.log(`devices: skipped (${r.skipped})`);
	} else {
		for (const p of r.phases) {
			console.log(`devices: ${p.name.padEnd(17)} qemu ${p.qemuMsPerS.toFixed(1)} ms/s, daemon ${p.daemonMsPerS.toFixed(1)} ms/s, total ${p.totalMsPerS.toFixed(1)} ms/s`);
		}
		console.log(`devices: framebuffer sampling + QMP polling cost ${r.ratio.toFixed(2)}x the CPU of the same VM with panels off`);
	}
	process.exit(0);
}

// What the device panels cost: CPU of QEMU plus this process (the daemon's share) per
// second of an idle guest at its shell, as a ratio against the same VM with the panels
// off, measured in the same run (off, on, off again, so drift shows). "On" is what the
// daemon does for a TUI showing the panels: the framebuffer over RFB (QEMU's VNC socket,
// facts kept per update), the QMP net poller, and one screen report with a thumbnail a
// second (the TUI's details request). For comparison, the old way: QMP screendump
// sampling instead of RFB. Not a test: numbers vary by machine; the ratio is what to
// compare. The test guest's Linux console blinks its cursor (about 5 small updates a
// second); OpenBSD's does not blink.
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
	// Steady state: whatever `start` needs to get going (connecting, the first full
	// picture) happens before the measurement.
	const stop = await start();
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
	const { RfbMonitor, ScreendumpMonitor } = await import('../src/devices/framebuffer.ts');
	const { screenReport } = await import('../src/devices/screen.ts');
	const { vncSocketPath } = await import('../src/helper/qemu.ts');
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
		// withNet: the MTU panel's QMP poller too (all panels), else the framebuffer panel alone.
		const on = (makeFb, withNet) => async () => {
			const fb = makeFb();
			const net = withNet ? new NetMonitor(lab.qmp) : null;
			fb.start();
			net?.start();
			await screenReport(fb, null, { fresh: true, thumb: { cols: 28, rows: 7 } });
			// The TUI asks for the side column's evidence once a second.
			const timer = setInterval(() => void screenReport(fb, null, { thumb: { cols: 28, rows: 7 } }).catch(() => {}), 1000);
			return async () => {
				clearInterval(timer);
				fb.close();
				net?.stop();
			};
		};
		const rfb = () => new RfbMonitor({ qmp: lab.qmp, target: { path: vncSocketPath(lab.vmDir) } });
		const dump = () => new ScreendumpMonitor(lab.qmp);
		const phases = [];
		const run = async (name, start) => {
			const p = await phase(name, qemuPid, seconds, start);
			phases.push(p);
			return p.totalMsPerS;
		};
		const off1 = await run('off', off);
		const fbBlink = await run('framebuffer (RFB)', on(rfb, false));
		const allBlink = await run('all panels (RFB)', on(rfb, true));
		const off2 = await run('off again', off);
		const dumpAll = await run('all (screendump)', on(dump, true));
		// OpenBSD's console cursor does not blink; the test guest's Linux one does.
		lab.type('echo 0 > /sys/class/graphics/fbcon/cursor_blink; echo BLINK-OFF');
		await lab.wait(/\nBLINK-OFF\r?\n/);
		await new Promise((r) => setTimeout(r, 2000));
		const offStill = await run('off, still', off);
		const fbStill = await run('fb (RFB), still', on(rfb, false));
		const base = (off1 + off2) / 2;
		return {
			seconds,
			phases,
			ratios: {
				framebuffer: fbBlink / base,
				allPanels: allBlink / base,
				allPanelsScreendump: dumpAll / base,
				framebufferStill: fbStill / offStill,
			},
		};
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
			console.log(`devices: ${p.name.padEnd(19)} qemu ${p.qemuMsPerS.toFixed(1)} ms/s, daemon ${p.daemonMsPerS.toFixed(1)} ms/s, total ${p.totalMsPerS.toFixed(1)} ms/s`);
		}
		const x = r.ratios;
		console.log(`devices: framebuffer panel over RFB ${x.framebuffer.toFixed(2)}x the CPU of the same VM with panels off (blinking cursor: ~5 updates/s)`);
		console.log(`devices: framebuffer panel over RFB, still screen (no blink, as OpenBSD's console) ${x.framebufferStill.toFixed(2)}x`);
		console.log(`devices: all panels (RFB + QMP net polling) ${x.allPanels.toFixed(2)}x; with screendump sampling instead of RFB ${x.allPanelsScreendump.toFixed(2)}x`);
	}
	process.exit(0);
}

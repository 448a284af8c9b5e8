// The RFB client against REAL QEMU: the test guest's virtio-gpu framebuffer over
// `-vnc unix:VMDIR/vnc.sock` (the argv src/helper/qemu.ts builds), compared pixel for
// pixel with QMP screendumps; keys typed over VNC reach the guest's shell on tty1 through
// the USB keyboard; and QEMU's VNC authentication with a password secret.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RfbClient, RfbError } from '../../src/devices/rfb.ts';
import { parsePpm } from '../../src/devices/image.ts';
import { vncSocketPath, qmpSocketPath } from '../../src/helper/qemu.ts';
import { Qmp } from '../../src/devices/qmp.ts';
import type { Pixels, Rect } from '../../src/glass/types.ts';
import { findQemu } from '../../src/helper/qemu.ts';
import { guestUnavailableReason, testGuest } from '../helpers/guest.ts';
import { bootLab, until, HANG_GUARD_MS, type Lab } from './virtio-lab.ts';

/** How many pixels differ between the client's picture and a screendump taken now. */
async function diffWithDump(lab: Lab, fb: Pixels): Promise<number> {
	const file = join(lab.vmDir, 'dump.ppm');
	await lab.qmp.execute('screendump', { filename: file });
	const img = parsePpm(readFileSync(file));
	if (img.width !== fb.width || img.height !== fb.height) return Infinity;
	let diff = 0;
	for (let i = 0, j = 0; i < fb.data.length; i++, j += 3) {
		if (fb.data[i] !== ((img.rgb[j] << 16) | (img.rgb[j + 1] << 8) | img.rgb[j + 2])) diff++;
	}
	return diff;
}

/**
 * The client's picture equals a screendump of the same moment. The two are taken apart,
 * so an update may be on its way: compare again after the next one, up to the hang guard.
 */
async function sameAsDump(lab: Lab, rfb: RfbClient, what: string): Promise<void> {
	let last = -1;
	await until(what, async () => {
		last = await diffWithDump(lab, rfb.fb);
		return last === 0 ? true : undefined;
	}).catch((e: Error) => {
		throw new Error(`${e.message} (${last} pixels differ)`);
	});
}

test('QEMU over VNC: the guest display, its changes, and keys typed on the glass', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	const lab = await bootLab(t, guest, { gpu: '1024x768' });
	const rfb = await RfbClient.connect({ path: vncSocketPath(lab.vmDir) }, { minIntervalMs: 20 });
	t.after(() => rfb.close());
	const rects: Rect[] = [];
	const resizes: string[] = [];
	rfb.on('update', (r: Rect[]) => rects.push(...r));
	rfb.on('resize', (w: number, h: number) => resizes.push(`${w}x${h}`));
	let closedWith: Error | undefined;
	rfb.on('close', (e?: Error) => (closedWith = e));
	assert.match(rfb.name, /QEMU/);

	const [, w, h] = await lab.wait(/OBSDTUI-GUEST: fb0 (\d+)x(\d+)\r?\n/);
	await lab.wait(/OBSDTUI-GUEST: ready\r?\n[^]*# /);
	// The guest's mode set reaches us as a DesktopSize change (QEMU starts with its 640x480 placeholder).
	await until('the guest resolution over VNC', () => (rfb.fb.width === Number(w) && rfb.fb.height === Number(h) ? true : undefined));
	assert.equal(resizes.at(-1), `${w}x${h}`);
	// A still screen: no blinking cursor on tty1, so the picture can be compared exactly.
	lab.type('echo 0 > /sys/class/graphics/fbcon/cursor_blink; echo BLINK-OFF');
	await lab.wait(/\nBLINK-OFF\r?\n/);
	await sameAsDump(lab, rfb, 'the VNC picture to equal a screendump');

	// Text drawn on tty1: an update arrives and the picture follows it exactly.
	const before = Uint32Array.from(rfb.fb.data);
	const seen = rects.length;
	lab.type('echo OBSDTUI-RFB-$((6*7)) > /dev/tty1');
	await until('an update after drawing', () => (rects.length > seen && rfb.fb.data.some((v, i) => v !== before[i]) ? true : undefined));
	await sameAsDump(lab, rfb, 'the drawn text to equal a screendump');
	// A burst that scrolls tty1 by many rows.
	lab.type('lines 200 > /dev/tty1; echo SCROLLED');
	await lab.wait(/\nSCROLLED\r?\n/);
	await sameAsDump(lab, rfb, 'the scrolled screen to equal a screendump');
	// QEMU's virtio-gpu path sends changed regions as Raw; CopyRect (used by other display
	// devices) is checked against the stand-in server in test/unit/devices-rfb.test.ts.
	assert.ok(rects.length > 0 && rects.every((r) => r.x + r.w <= rfb.fb.width && r.y + r.h <= rfb.fb.height));

	// Keys: the shell on tty1 runs what we type and writes the answer to the serial console.
	await lab.wait(/input: QEMU QEMU USB Keyboard/);
	rfb.typeText('echo OBSDTUI-KEYS-$((6*7)) > /dev/ttyAMA0\n');
	await lab.wait(/OBSDTUI-KEYS-42/);
	// A control character (^U erases the line typed so far: had it not arrived as ^U, the
	// shell would run the first command too) and shifted characters.
	rfb.typeText('echo NOT-RUN > /dev/ttyAMA0; \x15');
	rfb.typeText('echo "Upper:$((2+3))" > /dev/ttyAMA0\n');
	await lab.wait(/Upper:5/);
	assert.doesNotMatch(readFileSync(lab.log, 'latin1'), /NOT-RUN/);
	assert.equal(closedWith, undefined);
});

const dir = mkdtempSync(join(tmpdir(), 'obsdtui-vncpw-'));
const procs: ChildProcess[] = [];
after(() => {
	for (const p of procs) p.kill();
	rmSync(dir, { recursive: true, force: true });
});

test('QEMU VNC with a password: the right one authenticates, a wrong one fails clearly', { timeout: HANG_GUARD_MS }, async (t) => {
	if (!findQemu()) {
		t.skip('qemu-system-aarch64 is not installed');
		return;
	}
	const sock = vncSocketPath(dir);
	const qmpSock = qmpSocketPath(dir);
	procs.push(spawn('qemu-system-aarch64', [
		'-M', 'virt,acpi=off', '-cpu', 'cortex-a72', '-nodefaults', '-display', 'none', '-S',
		'-qmp', `unix:${qmpSock},server=on,wait=off`,
		'-object', 'secret,id=vncpw,data=s3cr3t!',
		'-vnc', `unix:${sock},password-secret=vncpw`,
		'-device', 'virtio-gpu-pci,id=gpu0',
	], { stdio: ['ignore', 'ignore', 'inherit'] }));
	for (let i = 0; i < 600 && !(existsSync(sock) && existsSync(qmpSock)); i++) await sleep(50);
	const qmp = await Qmp.connect(qmpSock);
	t.after(() => qmp.close());

	const good = await RfbClient.connect({ path: sock }, { password: 's3cr3t!' });
	// QEMU's placeholder until a guest sets a mode.
	assert.equal(`${good.fb.width}x${good.fb.height}`, '640x480');
	await new Promise((r) => good.once('update', r));
	assert.ok(good.fb.data.some((v) => v !== 0), 'the placeholder text is drawn');
	good.close();

	await assert.rejects(RfbClient.connect({ path: sock }, { password: 'wrong' }), (e: Error) => e instanceof RfbError && /^VNC: authentication failed \(wrong password\?\)/.test(e.message));
	await assert.rejects(RfbClient.connect({ path: sock }), /the server wants a password/);
});

// The arm64 test guest for e2e tests (built by test/guest/build.mjs, cached in
// test/guest/cache/). Its serial console prints marker lines:
//   OBSDTUI-GUEST: eth0 mtu N     OBSDTUI-GUEST: fb0 WxH     OBSDTUI-GUEST: ready
// then a root shell with the prompt "# " (busybox ash: the prompt is followed by ESC[6n,
// a cursor position query, so match screen text or /# /, not /# $/ on raw bytes).
// Kernel options: obsdtui.ip=A/N, obsdtui.mtu=N, obsdtui.ipv6=1, obsdtui.lines=N.
// Shell commands: `lines N [USEC]`, `blank` (framebuffer all black), `unblank`, `poweroff -f`,
// `zcat /usr/share/consolefonts/spleen-8x16.psfu.gz | loadfont` (the font of tty1).
// Text written to /dev/tty1 shows on the virtio-gpu framebuffer (spec gpu: "WxH").
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findQemu } from '../../src/helper/qemu.ts';

export interface TestGuest {
	kernel: string;
	initrd: string;
	/** Kernel command line the guest needs (consoles); add options after it. */
	append: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let cached: Promise<TestGuest | null> | undefined;
let unavailable = '';

/** Set when testGuest() returned null: why, for the skip message. */
export function guestUnavailableReason(): string {
	return unavailable;
}

function required(): boolean {
	return process.env.OBSDTUI_REQUIRE_QEMU === '1';
}

function build(): TestGuest | null {
	if (!findQemu()) {
		unavailable = 'qemu-system-aarch64 is not installed';
		if (required()) throw new Error(`OBSDTUI_REQUIRE_QEMU=1 but ${unavailable}`);
		return null;
	}
	const r = spawnSync(process.execPath, [join(root, 'test', 'guest', 'build.mjs')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		// Hang guard: a cold build downloads ~60 MB.
		timeout: 15 * 60_000,
	});
	if (r.status !== 0) {
		unavailable = `the test guest could not be built: ${(r.stderr || String(r.error ?? '')).trim().split('\n').at(-1)}`;
		if (required()) throw new Error(`OBSDTUI_REQUIRE_QEMU=1 but ${unavailable}`);
		return null;
	}
	// A (re)build says what it downloaded and how long it took: worth seeing in CI.
	if (r.stderr) process.stderr.write(r.stderr);
	const g = JSON.parse(r.stdout) as TestGuest;
	if (!existsSync(g.kernel) || !existsSync(g.initrd)) throw new Error(`test guest build printed missing files: ${r.stdout.trim()}`);
	return { kernel: g.kernel, initrd: g.initrd, append: g.append };
}

/**
 * The guest's kernel and initramfs, built on first use. null when QEMU is not installed
 * (or the guest cannot be built here); with OBSDTUI_REQUIRE_QEMU=1 those throw instead,
 * so CI cannot pass by skipping.
 */
export function testGuest(): Promise<TestGuest | null> {
	cached ??= Promise.resolve().then(build);
	return cached;
}

/**
 * Wait until `file` (a console log) matches `re`; returns the match. `timeoutMs` is a hang
 * guard, not a performance claim: on failure the tail of the file is in the message.
 */
export async function waitForFile(file: string, re: RegExp, timeoutMs = 180_000): Promise<RegExpExecArray> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		let text = '';
		try {
			text = readFileSync(file, 'latin1');
		} catch {
			// not created yet
		}
		const m = re.exec(text);
		if (m) return m;
		if (Date.now() > deadline) {
			throw new Error(`${re} not seen in ${file} after ${timeoutMs / 1000} s; it ends with: ${JSON.stringify(text.slice(-600))}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
}

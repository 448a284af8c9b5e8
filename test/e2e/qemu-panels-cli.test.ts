// `obsdtui net` and `obsdtui screen` through the real daemon, as a user runs them, on the
// real test guest with an observe network (MTU 9000) and a virtio-gpu display.
// (test/e2e/virtio-*.test.ts cover the device logic in depth without the daemon.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, BIN, until } from '../helpers/cli.ts';
import { Tmux, haveTmux } from '../helpers/tmux.ts';
import { testGuest, guestUnavailableReason, type TestGuest } from '../helpers/guest.ts';

const box = new Sandbox('otp');
let guest: TestGuest | null = null;
before(async () => {
	guest = await testGuest();
});
after(() => box.cleanup());

test('net and screen through the daemon: F_MTU accepted at 9000, frames on the wire, a live display', async (t) => {
	if (!guest) return t.skip(guestUnavailableReason());
	const g = guest;
	await box.ok([
		'up', 'p1', '--kernel', g.kernel, '--initrd', g.initrd, '--mem', '512',
		'--append', `${g.append} obsdtui.ip=10.0.2.15/24`, '--net', 'observe,mtu=9000', '--gpu', '1024x768',
	]);
	await box.ok(['wait', 'p1', '--for', 'OBSDTUI-GUEST: ready', '--timeout', '180'], { timeoutMs: 200000 });
	await box.ok(['wait', 'p1', '--for', '# $', '--timeout', '60']);

	// The guest sends jumbo frames to the host end of its wire (answered by the helper).
	// PING-$((40+2)): the answer, not the echoed command line, and no race with `--new`
	// (on a loaded machine the ping can finish before `wait` has started).
	await box.ok(['send', 'p1', 'ping -c 2 -s 8000 10.0.2.1; echo PING-$((40+2))']);
	await box.ok(['wait', 'p1', '--for', 'PING-42', '--timeout', '60']);

	const net = JSON.parse(await box.ok(['net', 'p1', '--json'])) as Record<string, any>;
	const text = JSON.stringify(net);
	assert.match(text, /9000/);
	assert.ok(net.report?.verdict ?? net.verdict, `a verdict: ${text.slice(0, 400)}`);
	const verdict = (net.report?.verdict ?? net.verdict) as { code: string };
	assert.equal(verdict.code, 'accepted', text.slice(0, 600));
	assert.ok(text.includes('8042'), `an 8042-byte frame was seen on the wire: ${text.slice(0, 600)}`);

	const png = join(box.dir, 'screen.png');
	const screen = JSON.parse(await box.ok(['screen', 'p1', '--json', '-o', png])) as Record<string, any>;
	const stext = JSON.stringify(screen);
	assert.match(stext, /1024/);
	const head = readFileSync(png).subarray(0, 8);
	assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');

	// Human-readable output too.
	const human = await box.ok(['net', 'p1']);
	assert.match(human, /9000/);

	// The TUI's side column shows the same live evidence for this VM.
	if (haveTmux()) {
		const t = new Tmux(120, 40);
		try {
			t.start(`${process.execPath} ${BIN} attach p1 --spy`, {
				OBSDTUI_RUNTIME_DIR: String(box.env.OBSDTUI_RUNTIME_DIR),
				OBSDTUI_STATE_DIR: String(box.env.OBSDTUI_STATE_DIR),
				PATH: process.env.PATH ?? '',
			});
			// Only the side column (right of the 80-column guest pane) counts: the guest's
			// own console also prints "mtu 9000" and "1024x768".
			const side = () => t.capture().split('\n').map((row) => [...row].slice(81).join('')).join('\n');
			const column = await until(() => {
				const c = side();
				return /accepted/.test(c) && /9000/.test(c) && /1024x768/.test(c) && /shell/.test(c) ? c : undefined;
			}, 'the MTU, framebuffer and timeline panels to show the live VM', 30000).catch((e: Error) => {
				throw new Error(`${e.message}; screen:\n${t.capture()}`);
			});
			assert.doesNotMatch(column, /not available with this backend/);
		} finally {
			t.kill();
		}
	}
	await box.ok(['down', 'p1', '--force']);
});

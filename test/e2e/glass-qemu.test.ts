// The glass console on the real guest: QEMU serves the virtio-gpu framebuffer over VNC on
// a unix socket, the daemon reads it as text. The guest's init draws known text on tty1
// (test/guest/rootfs/bin/glass-text): the kernel's boot messages in its own font, then
// Spleen loaded with busybox loadfont, numbered lines at a serial-like pace and in a
// burst, colours, reverse video, a ddb-like prompt, and init's shell on tty1 typed into
// over VNC.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/cli.ts';
import { testGuest, guestUnavailableReason, type TestGuest } from '../helpers/guest.ts';

const box = new Sandbox('otg');
let guest: TestGuest | null = null;

before(async () => {
	guest = await testGuest();
});
after(() => box.cleanup());

const SLOW = 60;
const BURST_END = 400;

test('glass: the framebuffer console read as text, waited on, typed into', async (t) => {
	if (!guest) return t.skip(guestUnavailableReason());
	const g = guest;
	await box.ok(['up', 'g1', '--kernel', g.kernel, '--initrd', g.initrd, '--append', g.append, '--gpu', '1024x768', '--glass-font', g.linuxFont, '--mem', '512', '--net', 'none']);
	const wait = (re: string, ...flags: string[]) => box.ok(['wait', 'g1', '--for', re, '--timeout', '240', ...flags], { timeoutMs: 260000 });
	const serial = async (cmd: string, done: string) => {
		await box.ok(['send', 'g1', `${cmd}; echo ${done}-$((6*7))`]);
		await wait(`${done}-42`, '--serial');
	};

	// The kernel's own messages on tty1, in its built-in font (found without being told which).
	await wait('OBSDTUI-GUEST: ready', '--serial');
	assert.match(await wait('Run /init as init process', '--glass'), /Run \/init as init process/);
	await wait('OBSDTUI-GUEST: tty1 ready', '--glass');
	const early = JSON.parse(await box.ok(['ls', '--json'])).vms.find((v: { name: string }) => v.name === 'g1');
	assert.equal(early.glass.font, 'linux-vga8x16');
	assert.equal(early.glass.cols, 128);
	assert.equal(early.glass.rows, 48);

	// Spleen, then numbered lines at a serial-like pace: none may be missing.
	await serial('glass-text font 8x16', 'FONT');
	await serial(`glass-text lines 1 ${SLOW} 200000`, 'SLOW');
	await wait(`glass line ${String(SLOW).padStart(6, '0')}`, '--glass');
	// A burst of several screens at once: lines may fall into a marked gap, none is invented.
	await serial(`glass-text burst ${SLOW + 1} ${BURST_END}`, 'BURST');
	await wait(`glass line ${String(BURST_END).padStart(6, '0')}`, '--glass');
	await serial('glass-text colours', 'COLOURS');
	await wait('bright text', '--glass');
	await serial('glass-text prompt', 'PROMPT');
	// The prompt stays open (no newline after it): `$` is the end of what the glass shows.
	// (Its trailing space shows only beside a cursor, and this guest hides Linux's cursor.)
	assert.equal((await wait('ddb\\{0\\}> ?$', '--glass')).trim(), 'ddb{0}>');
	const font = JSON.parse(await box.ok(['ls', '--json'])).vms.find((v: { name: string }) => v.name === 'g1').glass;
	assert.equal(font.font, 'spleen-8x16');

	// Typing over VNC reaches the shell init runs on tty1, and its echo comes back on the glass.
	await box.ok(['send', 'g1', '--glass', 'echo typed-$((6*7))']);
	await wait('\ntyped-42\n', '--glass');

	// ddb --collect on the glass: the prompt is found on the glass, the commands typed over
	// VNC, the answers read back off the glass (a stand-in ddb loop: this guest is Linux).
	await serial('glass-text ddb', 'DDB');
	await wait('glass stand-in[^]*ddb\\{0\\}> ?$', '--glass');
	const report = await box.ok(['ddb', 'g1', '--glass', '--collect', '--yes', '--timeout', '60'], { timeoutMs: 400000 });
	const evidence = JSON.parse(readFileSync(join(box.vmDir('g1'), 'boot.001.ddb.json'), 'utf8'));
	assert.match(JSON.stringify(evidence), /\*cpu0: glass stand-in/);
	assert.match(JSON.stringify(evidence), /panic\(\) at panic\+0x158 \(glass stand-in\)/);
	assert.match(report, /glass stand-in/);
	assert.match(await box.ok(['log', 'g1', '--audit']), /typed \d+ keys on the glass/);

	const stream = await box.ok(['log', 'g1', '--glass']);
	const lines = stream.split('\n');
	assert.ok(!stream.includes('\ufffd'), `a cell matched no glyph:\n${lines.filter((l) => l.includes('\ufffd')).join('\n')}`);
	const numbered = lines.map((l, i) => ({ i, m: /^glass line (\d{6})$/.exec(l) })).filter((x) => x.m);
	const numbers = numbered.map((x) => Number(x.m![1]));
	// The serial-like pace: every line, once, in order, with no gap line among them.
	assert.deepEqual(numbers.slice(0, SLOW), Array.from({ length: SLOW }, (_, k) => k + 1), 'the slow lines, all of them, once each');
	const slowBlock = lines.slice(numbered[0].i, numbered[SLOW - 1].i + 1);
	assert.ok(!slowBlock.some((l) => l.startsWith('[glass: ')), 'no gap at the slow pace');
	// The burst (several screens at once, faster than the display is sent): every line is
	// one the guest wrote, once, in order, and each one missing lies after a gap line.
	// Linux's fbcon redraws rows while QEMU copies them; only confirmed screens are read
	// (docs/glass.md), so a flood keeps few lines, but none wrong. What it kept is reported.
	let repeats = 0;
	let unmarked = 0;
	for (let k = SLOW; k < numbered.length; k++) {
		const [a, b] = [numbers[k - 1], numbers[k]];
		assert.ok(b >= SLOW + 1 && b <= BURST_END, `line ${b} was never written by the guest`);
		if (b <= a) repeats++;
		else if (b !== a + 1 && !lines.slice(numbered[k - 1].i + 1, numbered[k].i).some((l) => l.startsWith('[glass: '))) unmarked++;
	}
	t.diagnostic(`burst: ${new Set(numbers.slice(SLOW)).size} of ${BURST_END - SLOW} lines read, the rest inside gap lines`);
	assert.equal(repeats, 0, 'no line written twice or out of order');
	assert.equal(unmarked, 0, 'no line missing without a gap line before it');
	assert.equal(numbers.at(-1), BURST_END);
	for (const want of ['kernel white on blue', 'plain reverse video plain', 'bright text']) {
		assert.equal(lines.filter((l) => l === want).length, 1, `exactly one line ${JSON.stringify(want)}`);
	}
	// Read in the kernel's own font, before Spleen. (The boot's last kernel lines come while
	// the shell starts and the font changes: that stretch may hold gap lines and repeats.)
	assert.ok(lines.includes('OBSDTUI-GUEST: tty1 ready'));
	assert.ok(lines.includes('ddb{0}> echo typed-$((6*7))'), 'the typed command echoed after the prompt');
	assert.ok(lines.includes('typed-42'));
	assert.ok(lines.includes('ddb{0}> show panic'), 'the collector typed on the glass');
});

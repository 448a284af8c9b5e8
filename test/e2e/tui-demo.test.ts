// Markers are computed by the shell ($((2+2))) so the typed command line never matches them.
// `obsdtui demo` as a new user runs it, in a real terminal (tmux): it shows the OpenBSD
// boot, and quitting leaves the terminal exactly as it was (screen, tty modes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLE } from '../helpers/pty.ts';
import { Tmux, haveTmux } from '../helpers/tmux.ts';

const skip = haveTmux() ? false : 'tmux is not installed';

// Expected text is read from share/demo/arm64-qemu-virt-7.4-installer-boot.txt.
const LAST_LINE = '(I)nstall, (U)pgrade, (A)utoinstall or (S)hell?';
const BANNER = 'OpenBSD 7.4 (RAMDISK) #2131: Sun Oct  8 13:35:40 MDT 2023';

async function startShell(t: { after: (fn: () => void) => void }, w: number, h: number): Promise<Tmux> {
	const tmux = new Tmux(w, h);
	t.after(() => tmux.kill());
	tmux.start('sh', { PS1: '$ ', PATH: process.env.PATH ?? '' });
	await tmux.waitForText('$');
	tmux.type(`S=$(stty -g); echo BEFORE-$((2+2)); ${process.execPath} ${BUNDLE} demo --speed 3; echo "exit=$?"; [ "$(stty -g)" = "$S" ] && echo SAME-TTY-$((1+1))`);
	tmux.sendKeys('Enter');
	return tmux;
}

test('demo shows the arm64 boot; q quits and the terminal is as before', { skip }, async (t) => {
	const tmux = await startShell(t, 120, 32);
	const screen = await tmux.waitForText(LAST_LINE, 30000);
	assert.ok(tmux.alternateOn(), 'the TUI runs on the alternate screen');
	assert.match(screen, /arm64-installer │ (playing|finished)(\/[a-z]+)? │ replay │ read-only/);
	// The guest parser names the stage once the installer's prompt has been quiet a while.
	await tmux.waitForText('arm64-installer │ finished/installer │ replay │ read-only');
	await tmux.waitFor((s) => / >installer +\d+\.\ds\n/.test(s), 5000, 'the installer stage, current, in the timeline');
	assert.equal(screen.includes('BEFORE-4'), false, 'the shell is hidden while the TUI runs');
	tmux.sendKeys('q');
	const after = await tmux.waitForText('SAME-TTY-2');
	assert.equal(tmux.alternateOn(), false);
	assert.match(after, /BEFORE-4\nexit=0\nSAME-TTY-2/);
	assert.equal(after.includes(LAST_LINE), false, 'nothing of the TUI is left on the screen');
});

test('demo: scrollback search finds the kernel banner that scrolled away; prefix q quits', { skip }, async (t) => {
	const tmux = await startShell(t, 120, 32);
	await tmux.waitForText(LAST_LINE, 30000);
	assert.equal(tmux.capture().includes(BANNER), false, 'the banner has scrolled off the guest screen');
	tmux.type('[');
	await tmux.waitForText('scrollback: 0 lines below');
	tmux.type('/');
	tmux.type('OpenBSD 7.4 (RAMDISK)');
	tmux.sendKeys('Enter');
	const found = await tmux.waitForText(BANNER);
	assert.match(found, /scrollback: \d+ lines below/);
	tmux.sendKeys('q'); // leaves scrollback
	await tmux.waitFor((s) => !s.includes('scrollback:'));
	tmux.sendKeys('C-]', 'q');
	const after = await tmux.waitForText('SAME-TTY-2');
	assert.match(after, /exit=0/);
});

test('demo at 80x24: the status line fits, the side column collapses, and the pane follows the cursor', { skip }, async (t) => {
	const tmux = await startShell(t, 80, 24);
	const screen = await tmux.waitForText(LAST_LINE, 30000);
	const rows = screen.split('\n');
	assert.match(rows[22], /^\(I\)nstall, \(U\)pgrade/, 'the guest cursor row is the last pane row');
	assert.match(rows[23], /^ arm64-installer │/);
	assert.equal(screen.includes('Boot timeline'), false, 'no room for the side column');
	tmux.sendKeys('q');
	await tmux.waitForText('SAME-TTY-2');
});

test('demo: the Linux test guest shows its recorded MTU and framebuffer evidence in the side column', { skip }, async (t) => {
	const tmux = await startShell(t, 130, 40);
	await tmux.waitForText(LAST_LINE, 30000);
	tmux.type('s');
	await tmux.waitForText('linux-test-guest');
	tmux.sendKeys('Down', 'Down', 'Enter');
	// Values read from share/demo/linux-test-guest.devices.json; only the side column (right
	// of the 80-column guest pane) counts, since the guest's console mentions 9000 too.
	const side = () =>
		tmux
			.capture()
			.split('\n')
			.map((row) => [...row].slice(81).join(''))
			.join('\n');
	await tmux.waitFor((s) => s.includes(' linux-test-guest │ '), 10000, 'the Linux test guest attached');
	await tmux.waitFor(() => /F_MTU accepted: MTU 9000/.test(side()), 30000, 'the recorded MTU panel');
	const column = side();
	assert.match(column, /recorded from the Linux test guest:/);
	assert.match(column, /host 9000, F_MTU acked/);
	assert.match(column, /wire max 9014 B, 47 frames, probe 9000/);
	assert.match(column, /≤9014:25/);
	assert.match(column, /updating \(1024x768\)/);
	assert.match(column, /1024x768 5% lit/);
	assert.match(column, /▀{19}/, 'the thumbnail, 19 cells wide');
	assert.doesNotMatch(column, /not available with this backend/);
	tmux.sendKeys('q');
	await tmux.waitForText('SAME-TTY-2');
});

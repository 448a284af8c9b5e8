// The glyph reader on a real framebuffer: the arm64 test guest (Linux, virtio-gpu, fbcon)
// loads Debian's Spleen 8x16 PSF font with busybox loadfont and writes lines of a real
// OpenBSD transcript to tty1, then colours and reverse video; QEMU's screendump of the
// display must read back as exactly that, with the font and the grid found unaided
// (fbcon's layout: top left). One boot. (Spleen's larger sizes are PSF2 files, which
// busybox loadfont rejects: the unit tests cover those over rendered frames.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlassReader } from '../../src/glass/reader.ts';
import { spleenFonts } from '../../src/glass/spleen.ts';
import type { GlassScreen } from '../../src/glass/types.ts';
import { readImage } from '../../src/devices/glass-files.ts';
import { ROOT } from '../helpers/cli.ts';
import { guestUnavailableReason, testGuest } from '../helpers/guest.ts';
import { bootLab, until, HANG_GUARD_MS, type Lab } from './virtio-lab.ts';

// Lines of a ddb session, without tabs and without a quote that would end the
// here-document below.
const lines = readFileSync(join(ROOT, 'test', 'fixtures', 'openbsd', 'amd64-panic-uvm_fault-rtable_satoplen-ddb-session.txt'), 'utf8')
	.split('\n')
	.slice(1)
	.map((l) => l.replace(/\r$/, ''))
	.filter((l) => l.trim() && l.length <= 128 && !/[\t']/.test(l) && l !== 'EOF')
	.slice(0, 30);

const text = (s: GlassScreen) => s.cells.map((row) => row.map((c) => c.ch).join('').trimEnd());

/** Dump the display until it reads as `want` (the host sees a write a moment later). */
async function readUntil(lab: Lab, want: string[], what: string): Promise<GlassScreen> {
	const shot = join(lab.vmDir, 'glass.ppm');
	const read = async () => {
		await lab.qmp.execute('screendump', { filename: shot });
		return new GlassReader(spleenFonts()).read(readImage(shot));
	};
	try {
		return await until(what, async () => {
			const s = await read();
			return s && text(s).join('\n') === want.join('\n') ? s : undefined;
		}, 60_000);
	} catch (err) {
		// Show what was read instead of only "hang guard".
		const s = await read();
		assert.deepEqual(s && text(s), want, String(err));
		throw err;
	}
}

test('a Linux framebuffer console in Spleen 8x16 reads back as the lines, colours and reverse video written', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	assert.equal(lines.length, 30);
	const lab = await bootLab(t, guest, { gpu: '1024x768' });
	await lab.wait(/OBSDTUI-GUEST: fb0 1024x768\r?\n/);
	await lab.wait(/OBSDTUI-GUEST: ready\r?\n[^]*# /);
	// Keep kernel messages off tty1 while the test draws there.
	lab.type('dmesg -n 1');
	lab.type("cat > /tmp/t <<'EOF'");
	for (const l of lines) lab.type(l);
	lab.type('EOF');
	lab.type("zcat /usr/share/consolefonts/spleen-8x16.psfu.gz | loadfont && printf '\\033[H\\033[2J' > /dev/tty1 && cat /tmp/t > /dev/tty1 && echo OBSDTUI-GLASS-$((40+1))");
	await lab.wait(/OBSDTUI-GLASS-41\r?\n/);
	// 1024x768 in 8x16: 128 columns, 48 rows, from 0,0.
	const want = Array.from({ length: 48 }, (_, i) => lines[i] ?? '');
	let screen = await readUntil(lab, want, 'the transcript on the glass');
	assert.deepEqual([screen.font, screen.x, screen.y, screen.cols, screen.rows], ['spleen-8x16', 0, 0, 128, 48]);
	assert.equal(screen.unknown, 0);
	// fbcon's default colours: light grey (0xaaaaaa) on black.
	assert.deepEqual(screen.cells[0][0], { ch: lines[0][0], fg: 0xaaaaaa, bg: 0x000000 });

	// Reverse video and white on blue (SGR 7; SGR 37;44), on the row after the transcript.
	lab.type("printf '\\033[7mddb{0}>\\033[0m \\033[37;44mwhite on blue\\033[0m\\n' > /dev/tty1 && echo OBSDTUI-GLASS-$((40+2))");
	await lab.wait(/OBSDTUI-GLASS-42\r?\n/);
	want[30] = 'ddb{0}> white on blue';
	screen = await readUntil(lab, want, 'colours on the glass');
	assert.deepEqual(screen.cells[30][0], { ch: 'd', fg: 0x000000, bg: 0xaaaaaa });
	assert.deepEqual(screen.cells[30][8], { ch: 'w', fg: 0xaaaaaa, bg: 0x0000aa });
	assert.equal(screen.unknown, 0);
});

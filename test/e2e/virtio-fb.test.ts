// virtio-gpu on the real guest: the framebuffer panel's evidence, read over VNC as the
// daemon does, follows the guest's display (resolution, updating when it draws, black
// when it blanks) and the PNG holds exactly the picture the panel has. One guest boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RfbMonitor } from '../../src/devices/framebuffer.ts';
import { vncSocketPath } from '../../src/helper/qemu.ts';
import { parsePpm } from '../../src/devices/image.ts';
import { screenReport } from '../../src/devices/screen.ts';
import { guestUnavailableReason, testGuest } from '../helpers/guest.ts';
import { bootLab, until, HANG_GUARD_MS } from './virtio-lab.ts';

// Decodes the PNG with python's zlib (all five filter types), independently of our encoder.
const PNG_TO_PPM = String.raw`
import sys, struct, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
p, idat = 8, b''
while p < len(d):
    n, t = struct.unpack('!I4s', d[p:p+8]); body = d[p+8:p+8+n]
    assert zlib.crc32(t + body) == struct.unpack('!I', d[p+8+n:p+12+n])[0]
    if t == b'IHDR': w, h, depth, ctype = struct.unpack('!IIBB', body[:10]); assert (depth, ctype) == (8, 2)
    if t == b'IDAT': idat += body
    p += 12 + n
raw, s, out, prev = zlib.decompress(idat), w * 3, bytearray(), bytearray(w * 3)
for y in range(h):
    f, row = raw[y*(s+1)], bytearray(raw[y*(s+1)+1:(y+1)*(s+1)])
    for x in range(s):
        a = row[x-3] if x >= 3 else 0; b = prev[x]; c = prev[x-3] if x >= 3 else 0
        if f == 1: row[x] = (row[x] + a) & 255
        elif f == 2: row[x] = (row[x] + b) & 255
        elif f == 3: row[x] = (row[x] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2*c)
            row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    out += row; prev = row
sys.stdout.buffer.write(b'P6\n%d %d\n255\n' % (w, h) + bytes(out))
`;

test('virtio-gpu: resolution, updating, black after blanking, PNG', { timeout: HANG_GUARD_MS }, async (t) => {
	const guest = await testGuest();
	if (!guest) {
		t.skip(guestUnavailableReason());
		return;
	}
	const lab = await bootLab(t, guest, { gpu: '1024x768' });
	const mon = new RfbMonitor({ qmp: lab.qmp, target: { path: vncSocketPath(lab.vmDir) } });
	t.after(() => mon.close());
	// Before the guest driver: QEMU's placeholder.
	const early = await screenReport(mon, null, { fresh: true });
	if (early.host?.driverOk === false) assert.equal(early.verdict.code, 'no-scanout');

	const [, w, h] = await lab.wait(/OBSDTUI-GUEST: fb0 (\d+)x(\d+)\r?\n/);
	await lab.wait(/OBSDTUI-GUEST: ready\r?\n[^]*# /);
	const booted = await until('the guest display', async () => {
		const r = await screenReport(mon, null, { fresh: true });
		return r.host?.width === Number(w) && r.host?.driverOk ? r : undefined;
	});
	assert.equal(`${booted.host?.width}x${booted.host?.height}`, `${w}x${h}`);
	assert.equal(booted.host?.queueMoved, true);

	// The guest draws: the picture changes and the verdict is "updating".
	const before = booted.host!.hash;
	lab.type('echo OBSDTUI-FB-$((6*7)) > /dev/tty1');
	const drawn = await until('the drawing to show', async () => {
		const r = await screenReport(mon, null, { fresh: true });
		return r.host?.hash !== before ? r : undefined;
	});
	assert.equal(drawn.host?.changed, true);
	assert.equal(drawn.verdict.code, 'updating');
	assert.ok((drawn.host?.nonBlack ?? 0) > 0.001);

	// The PNG holds exactly the pixels of the picture it was made from.
	const picture = mon.rgb()!;
	const withPng = await screenReport(mon, null, { png: true });
	const file = join(lab.vmDir, 'screen.png');
	writeFileSync(file, Buffer.from(withPng.png!, 'base64'));
	const dec = spawnSync('python3', ['-c', PNG_TO_PPM, file], { maxBuffer: 64 << 20 });
	assert.equal(dec.status, 0, dec.stderr?.toString());
	const img = parsePpm(dec.stdout);
	assert.equal(img.width, Number(w));
	assert.ok(img.rgb.equals(picture.rgb), 'PNG pixels differ from the picture');

	lab.type('blank');
	const black = await until('a black screen', async () => {
		const r = await screenReport(mon, null, { fresh: true });
		return r.verdict.code === 'black' ? r : undefined;
	});
	assert.equal(black.verdict.text, `black (${w}x${h})`);
	lab.type('unblank');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync, inflateSync, crc32 } from 'node:zlib';
import { parsePpm, imageFacts, encodePng, thumbnail, type RgbImage } from '../../src/devices/image.ts';
import { fbVerdict, gridDiff, MINOR_CHANGE, type FramebufferState } from '../../src/devices/framebuffer.ts';
import { UserError } from '../../src/common/errors.ts';

function image(width: number, height: number, px: (x: number, y: number) => [number, number, number]): RgbImage {
	const rgb = Buffer.alloc(width * height * 3);
	for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(px(x, y), (y * width + x) * 3);
	return { width, height, rgb };
}

function ppm(img: RgbImage, header = `P6\n${img.width} ${img.height}\n255\n`): Buffer {
	return Buffer.concat([Buffer.from(header, 'latin1'), img.rgb]);
}

// Decodes what encodePng writes (8-bit RGB, filters none/sub/up), independently of it.
function decodePng(png: Buffer): RgbImage {
	assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	let pos = 8;
	let width = 0, height = 0;
	const idat: Buffer[] = [];
	const types: string[] = [];
	while (pos < png.length) {
		const len = png.readUInt32BE(pos);
		const type = png.toString('latin1', pos + 4, pos + 8);
		const data = png.subarray(pos + 8, pos + 8 + len);
		assert.equal(png.readUInt32BE(pos + 8 + len), crc32(png.subarray(pos + 4, pos + 8 + len)), `${type} crc`);
		types.push(type);
		if (type === 'IHDR') {
			width = data.readUInt32BE(0);
			height = data.readUInt32BE(4);
			assert.deepEqual([...data.subarray(8)], [8, 2, 0, 0, 0]);
		}
		if (type === 'IDAT') idat.push(data);
		pos += 12 + len;
	}
	assert.equal(types[0], 'IHDR');
	assert.equal(types.at(-1), 'IEND');
	const raw = inflateSync(Buffer.concat(idat));
	const stride = width * 3;
	const rgb = Buffer.alloc(stride * height);
	for (let y = 0; y < height; y++) {
		const f = raw[y * (stride + 1)];
		for (let x = 0; x < stride; x++) {
			const v = raw[y * (stride + 1) + 1 + x];
			const left = x >= 3 ? rgb[y * stride + x - 3] : 0;
			const up = y > 0 ? rgb[(y - 1) * stride + x] : 0;
			rgb[y * stride + x] = (v + (f === 1 ? left : f === 2 ? up : 0)) & 0xff;
		}
	}
	return { width, height, rgb };
}

test('PPM: header with a comment, and errors as one line', () => {
	const img = image(3, 2, (x, y) => [x * 10, y * 10, 7]);
	const back = parsePpm(ppm(img, `P6\n# made by qemu\n3 2\n255\n`));
	assert.equal(back.width, 3);
	assert.equal(back.height, 2);
	assert.deepEqual(back.rgb, img.rgb);
	assert.throws(() => parsePpm(Buffer.from('P3\n1 1\n255\n0 0 0')), UserError);
	assert.throws(() => parsePpm(ppm(img).subarray(0, 20)), /truncated/);
});

test('QEMU placeholder screen: 640x480, mostly black but not black', () => {
	const img = parsePpm(gunzipSync(readFileSync(new URL('../fixtures/qemu-screendump-placeholder.ppm.gz', import.meta.url))));
	const f = imageFacts(img);
	assert.equal(f.width, 640);
	assert.equal(f.height, 480);
	// 1044 grey (0xaaaaaa) text pixels of 307200, counted with python when recording it.
	assert.equal(f.nonBlack, 1044 / 307200);
	const s: FramebufferState = { device: true, samples: 1, width: 640, height: 480, nonBlack: f.nonBlack, hash: f.hash, lastChange: 0, driverOk: false };
	assert.equal(fbVerdict(s, 1000).code, 'no-scanout');
	// Same picture without virtio-gpu facts (another display device): size and silence decide.
	assert.equal(fbVerdict({ ...s, driverOk: undefined }, 1000).code, 'no-scanout');
});

test('facts: non-black fraction and a hash that follows content', () => {
	const a = image(10, 10, (x) => (x < 3 ? [200, 200, 200] : [0, 0, 0]));
	const b = image(10, 10, (x) => (x < 3 ? [200, 200, 201] : [0, 0, 0]));
	assert.equal(imageFacts(a).nonBlack, 0.3);
	assert.notEqual(imageFacts(a).hash, imageFacts(b).hash);
	assert.equal(imageFacts(a).hash, imageFacts(image(10, 10, (x) => (x < 3 ? [200, 200, 200] : [0, 0, 0]))).hash);
	// Dark noise is black.
	assert.equal(imageFacts(image(4, 4, () => [20, 10, 24])).nonBlack, 0);
});

test('PNG round trip through an independent decoder', () => {
	const img = image(37, 23, (x, y) => [(x * 7) & 0xff, (y * 11) & 0xff, (x * y) & 0xff]);
	const back = decodePng(encodePng(img));
	assert.equal(back.width, 37);
	assert.equal(back.height, 23);
	assert.deepEqual(back.rgb, img.rgb);
});

test('thumbnail: half blocks keep the aspect ratio and the colours', () => {
	// 1280x800 with a white top half: 30 columns wide -> 19 pixel rows -> 9 cells.
	const img = image(1280, 800, (_x, y) => (y < 400 ? [255, 255, 255] : [0, 0, 255]));
	const t = thumbnail(img, 30, 12);
	assert.equal(t[0].length, 30);
	assert.equal(t.length, 9);
	assert.deepEqual(t[0][0], { top: [255, 255, 255], bottom: [255, 255, 255] });
	assert.deepEqual(t[8][29], { top: [0, 0, 255], bottom: [0, 0, 255] });
	// A tall narrow image is limited by the rows.
	const tall = thumbnail(image(100, 1000, () => [1, 2, 3]), 30, 10);
	assert.equal(tall.length, 10);
	assert.equal(tall[0].length, 2); // 1:10 in 20 pixel rows
});

test('verdicts: no device, black, updating, frozen, and nothing sampled yet', () => {
	const base: FramebufferState = { device: true, samples: 3, width: 1280, height: 800, nonBlack: 0.2, hash: 'x', lastChange: 10_000, driverOk: true, queueMoved: true };
	assert.deepEqual(fbVerdict({ device: false, samples: 1 }, 0), { code: 'no-device', text: 'no display device' });
	assert.deepEqual(fbVerdict(base, 20_000), { code: 'updating', text: 'updating (1280x800)' });
	assert.deepEqual(fbVerdict(base, 70_000), { code: 'frozen', text: 'frozen: unchanged for 60 s' });
	assert.equal(fbVerdict({ ...base, nonBlack: 0.0001 }, 20_000).code, 'black');
	// A real 640x480 mode set by the driver is not the placeholder.
	assert.equal(fbVerdict({ ...base, width: 640, height: 480 }, 20_000).code, 'updating');
	assert.deepEqual(fbVerdict(undefined, 0), { code: 'unknown', text: 'not available with this backend' });
	assert.equal(fbVerdict({ device: true, samples: 0 }, 0).code, 'unknown');
});

test('gridDiff: a cursor-sized change is minor, a redraw is not', () => {
	const base = image(1280, 800, () => [0, 0, 0]);
	const cursor = image(1280, 800, (x, y) => (x >= 8 && x < 16 && y >= 784 && y < 800 ? [170, 170, 170] : [0, 0, 0]));
	const text = image(1280, 800, (x, y) => (y < 200 && x % 3 === 0 ? [170, 170, 170] : [0, 0, 0]));
	assert.equal(gridDiff(base, base), 0);
	// 2x4 grid points of 320x200.
	assert.equal(gridDiff(base, cursor), 8 / 64000);
	assert.ok(gridDiff(base, cursor) < MINOR_CHANGE);
	assert.ok(gridDiff(base, text) >= MINOR_CHANGE);
	assert.equal(gridDiff(base, image(640, 480, () => [0, 0, 0])), 1);
});

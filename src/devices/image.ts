// Framebuffer images as QEMU's screendump writes them, and what we derive from them.
// PPM rather than PNG: QEMU would spend zlib time on every sample and we would spend
// inflate time reading it back, while a raw P6 costs one write and one read.
import { createHash } from 'node:crypto';
import { deflateSync, crc32 } from 'node:zlib';
import { UserError } from '../common/errors.ts';
import type { Pixels } from '../glass/types.ts';

export interface RgbImage {
	width: number;
	height: number;
	/** width * height * 3 bytes, rows top to bottom. */
	rgb: Buffer;
}

/** Parse a binary PPM (P6, maxval 255), the only form QEMU writes. */
export function parsePpm(buf: Buffer): RgbImage {
	let pos = 0;
	const fields: string[] = [];
	while (fields.length < 4) {
		while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]))) pos++;
		if (buf[pos] === 0x23) {
			while (pos < buf.length && buf[pos] !== 0x0a) pos++;
			continue;
		}
		const start = pos;
		while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]))) pos++;
		if (start === pos) break;
		fields.push(buf.toString('latin1', start, pos));
	}
	pos++;
	const [magic, w, h, max] = fields;
	const width = Number(w);
	const height = Number(h);
	if (magic !== 'P6' || !Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || max !== '255') {
		throw new UserError('screendump: not a P6 PPM image');
	}
	const size = width * height * 3;
	if (buf.length - pos < size) throw new UserError(`screendump: truncated image (${buf.length - pos} of ${size} bytes)`);
	return { width, height, rgb: buf.subarray(pos, pos + size) };
}

/** A pixel counts as lit when any channel is above this: dark-grey noise is still black. */
export const LIT = 24;

export interface ImageFacts {
	width: number;
	height: number;
	/** Fraction of pixels that are not black, 0..1. */
	nonBlack: number;
	hash: string;
}

export function imageFacts(img: RgbImage): ImageFacts {
	const { rgb } = img;
	let lit = 0;
	for (let i = 0; i < rgb.length; i += 3) {
		if (rgb[i] > LIT || rgb[i + 1] > LIT || rgb[i + 2] > LIT) lit++;
	}
	const pixels = img.width * img.height;
	return {
		width: img.width,
		height: img.height,
		nonBlack: pixels ? lit / pixels : 0,
		hash: createHash('sha1').update(rgb).digest('hex'),
	};
}

function chunk(type: string, data: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'latin1');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
	return Buffer.concat([head, data, crc]);
}

/** A PNG (8-bit RGB, no interlace) of the image; filter "up" compresses text screens well. */
export function encodePng(img: RgbImage): Buffer {
	const stride = img.width * 3;
	const raw = Buffer.alloc((stride + 1) * img.height);
	for (let y = 0; y < img.height; y++) {
		const out = y * (stride + 1);
		const row = y * stride;
		if (y === 0) {
			raw[out] = 0;
			img.rgb.copy(raw, out + 1, row, row + stride);
			continue;
		}
		raw[out] = 2;
		for (let x = 0; x < stride; x++) raw[out + 1 + x] = (img.rgb[row + x] - img.rgb[row - stride + x]) & 0xff;
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(img.width, 0);
	ihdr.writeUInt32BE(img.height, 4);
	ihdr[8] = 8;
	ihdr[9] = 2;
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw)),
		chunk('IEND', Buffer.alloc(0)),
	]);
}

export type Rgb = [number, number, number];

/** One terminal cell of a thumbnail: ▀ with the upper pixel as foreground, the lower as background. */
export interface HalfBlock {
	top: Rgb;
	bottom: Rgb;
}

/**
 * Shrink the image to cols x (rows*2) pixels by averaging boxes, keeping the aspect
 * ratio within the cell budget (a cell is about twice as tall as wide, so one cell
 * holds two square pixels).
 */
export function thumbnail(img: RgbImage, maxCols: number, maxRows: number): HalfBlock[][] {
	return thumbOf(img.width, img.height, maxCols, maxRows, (x, y) => {
		const i = (y * img.width + x) * 3;
		return (img.rgb[i] << 16) | (img.rgb[i + 1] << 8) | img.rgb[i + 2];
	});
}

/** The same thumbnail straight from a framebuffer of 0xRRGGBB pixels (the RFB client's). */
export function thumbnailPixels(p: Pixels, maxCols: number, maxRows: number): HalfBlock[][] {
	return thumbOf(p.width, p.height, maxCols, maxRows, (x, y) => p.data[y * p.width + x]);
}

/** A framebuffer as 8-bit RGB (for the PNG encoder). */
export function pixelsToRgb(p: Pixels): RgbImage {
	const rgb = Buffer.allocUnsafe(p.width * p.height * 3);
	for (let i = 0, j = 0; i < p.data.length; i++, j += 3) {
		const v = p.data[i];
		rgb[j] = (v >> 16) & 0xff;
		rgb[j + 1] = (v >> 8) & 0xff;
		rgb[j + 2] = v & 0xff;
	}
	return { width: p.width, height: p.height, rgb };
}

function thumbOf(width: number, height: number, maxCols: number, maxRows: number, at: (x: number, y: number) => number): HalfBlock[][] {
	const scale = Math.max(width / maxCols, height / (maxRows * 2));
	const cols = Math.max(1, Math.min(maxCols, Math.round(width / scale)));
	const pixRows = Math.max(2, Math.min(maxRows * 2, Math.round(height / scale)));
	const rows = Math.floor(pixRows / 2);
	const px = (cx: number, cy: number): Rgb => {
		const x0 = Math.floor((cx * width) / cols);
		const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * width) / cols));
		const y0 = Math.floor((cy * height) / (rows * 2));
		const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * height) / (rows * 2)));
		// Sample a bounded grid inside the box: a full average of 1280x800 per frame is wasted CPU.
		const sx = Math.max(1, Math.floor((x1 - x0) / 4));
		const sy = Math.max(1, Math.floor((y1 - y0) / 4));
		let r = 0, g = 0, b = 0, n = 0;
		for (let y = y0; y < y1; y += sy) {
			for (let x = x0; x < x1; x += sx) {
				const v = at(x, y);
				r += (v >> 16) & 0xff;
				g += (v >> 8) & 0xff;
				b += v & 0xff;
				n++;
			}
		}
		return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
	};
	const out: HalfBlock[][] = [];
	for (let y = 0; y < rows; y++) {
		const line: HalfBlock[] = [];
		for (let x = 0; x < cols; x++) line.push({ top: px(x, y * 2), bottom: px(x, y * 2 + 1) });
		out.push(line);
	}
	return out;
}

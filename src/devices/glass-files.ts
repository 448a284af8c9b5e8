// The files `obsdtui glass read` takes: fonts (--font NAME|FILE) and saved screenshots
// (PNG, PPM). The glass reader itself (src/glass/) is pure; reading files happens here,
// and everything read is user input: any fault is a one-line UserError.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { UserError, errorMessage } from '../common/errors.ts';
import { parsePsf } from '../glass/psf.ts';
import { spleenFonts, SPLEEN_NAMES } from '../glass/spleen.ts';
import type { Font, Pixels } from '../glass/types.ts';
import { parsePpm } from './image.ts';

/** 8K by 8K: larger than any framebuffer a console draws on. */
const MAX_PIXELS = 8192 * 8192;

function readUserFile(file: string, what: string): Buffer {
	try {
		return readFileSync(file);
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		throw new UserError(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'no such file' : code ?? errorMessage(err)})`);
	}
}

/**
 * A shipped Spleen font by name (spleen-8x16), or a PSF1/PSF2 file, gzip'd or not.
 * A name that is not shipped and not an existing file is an error naming the shipped ones.
 */
export function loadFont(nameOrFile: string): Font {
	const shipped = spleenFonts().find((f) => f.name === nameOrFile);
	if (shipped) return shipped;
	if (!nameOrFile.includes('/') && !/\.(psfu?|gz)$/i.test(nameOrFile)) {
		throw new UserError(`font ${nameOrFile}: not a shipped font (${SPLEEN_NAMES.join(', ')}) nor a PSF file path`);
	}
	let buf = readUserFile(nameOrFile, 'font');
	if (buf[0] === 0x1f && buf[1] === 0x8b) {
		try {
			buf = gunzipSync(buf, { maxOutputLength: 16 << 20 });
		} catch (err) {
			throw new UserError(`font ${nameOrFile}: bad gzip data (${errorMessage(err)})`);
		}
	}
	// Errors name the file; the font is named by its base name (spleen-8x16.psfu.gz -> spleen-8x16).
	const font = parsePsf(buf, nameOrFile);
	return { ...font, name: basename(nameOrFile).replace(/\.gz$/i, '').replace(/\.psfu?$/i, '') };
}

/** A PNG (any colour type pngjs decodes; alpha is ignored) or a binary PPM as Pixels. */
export function decodeImage(buf: Buffer, file: string): Pixels {
	if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
		// IHDR's size first: a hostile header must not make us allocate gigabytes.
		if (buf.length >= 24) {
			const w = buf.readUInt32BE(16);
			const h = buf.readUInt32BE(20);
			if (w * h > MAX_PIXELS) throw new UserError(`${file}: PNG of ${w}x${h} pixels is larger than a framebuffer (${MAX_PIXELS} pixels at most)`);
		}
		let png: PNG;
		try {
			png = PNG.sync.read(buf);
		} catch (err) {
			throw new UserError(`${file}: bad or truncated PNG (${errorMessage(err).split('\n')[0]})`);
		}
		const { width, height, data: rgba } = png;
		const data = new Uint32Array(width * height);
		for (let i = 0, j = 0; i < data.length; i++, j += 4) data[i] = (rgba[j] << 16) | (rgba[j + 1] << 8) | rgba[j + 2];
		return { width, height, data };
	}
	if (buf.length >= 2 && buf[0] === 0x50 && buf[1] === 0x36) {
		let img;
		try {
			img = parsePpm(buf);
			if (img.width * img.height > MAX_PIXELS) throw new UserError(`PPM of ${img.width}x${img.height} pixels is larger than a framebuffer (${MAX_PIXELS} pixels at most)`);
		} catch (err) {
			throw new UserError(`${file}: ${errorMessage(err).replace(/^screendump: /, '')}`);
		}
		const data = new Uint32Array(img.width * img.height);
		for (let i = 0, j = 0; i < data.length; i++, j += 3) data[i] = (img.rgb[j] << 16) | (img.rgb[j + 1] << 8) | img.rgb[j + 2];
		return { width: img.width, height: img.height, data };
	}
	throw new UserError(`${file}: not a PNG or binary PPM (P6) image`);
}

export function readImage(file: string): Pixels {
	return decodeImage(readUserFile(file, 'image'), file);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRecording, SERIAL_BYTES_PER_SECOND } from '../../src/term/recording.ts';

test('a plain log is paced like a 115200-baud line, one line per chunk', () => {
	const line = 'x'.repeat(1150) + '\r\n'; // 1152 bytes: a tenth of a second at 11520 B/s
	const rec = loadRecording(Buffer.from(line.repeat(3)));
	assert.equal(rec.timed, false);
	assert.deepEqual([rec.cols, rec.rows], [80, 24]);
	// Long lines are cut at 512 bytes; each piece starts when its first byte would arrive.
	const starts = rec.chunks.map((c) => Math.round(c.t * SERIAL_BYTES_PER_SECOND));
	assert.deepEqual(starts, [0, 512, 1024, 1152, 1664, 2176, 2304, 2816, 3328]);
	assert.equal(Buffer.concat(rec.chunks.map((c) => c.data)).toString(), line.repeat(3));
});

test('a log saved as text (LF only) gets the CR a serial console sends; a raw capture is untouched', () => {
	const text = loadRecording(Buffer.from('boot>\nbooting\n'));
	assert.equal(Buffer.concat(text.chunks.map((c) => c.data)).toString(), 'boot>\r\nbooting\r\n');
	const raw = loadRecording(Buffer.from('a\r\nb\nc'));
	assert.equal(Buffer.concat(raw.chunks.map((c) => c.data)).toString(), 'a\r\nb\nc');
});

test('an asciicast keeps its own size and timing', () => {
	const rec = loadRecording(Buffer.from('{"version":2,"width":100,"height":40}\n[1.5,"o","x"]\n'));
	assert.deepEqual(rec, { cols: 100, rows: 40, timed: true, chunks: [{ t: 1.5, data: Buffer.from('x') }] });
});

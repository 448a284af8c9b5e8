import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../src/common/spec.ts';
import { UserError } from '../../src/common/errors.ts';
import { execArgv } from '../../src/helper/exec.ts';
import { serialArgv } from '../../src/helper/serial.ts';

test('exec: the command runs under /bin/sh on a pty of the guest size', () => {
	const spec = parseSpec({ command: 'cat -v', cols: 132, rows: 43 }, 'e1');
	assert.deepEqual(execArgv(spec), ['exec', '-L', '4294967296', '-w', '132x43', '--', '/bin/sh', '-c', 'cat -v']);
});

test('serial: speed, framing and flow control become helper flags', () => {
	const spec = parseSpec({ serial: { device: '/dev/cuaU0', speed: 1500000, parity: 'even', stopBits: 2, dataBits: 7, flow: 'rtscts' } }, 's1');
	assert.deepEqual(serialArgv(spec), ['serial', '-L', '4294967296', '-D', '/dev/cuaU0', '-S', '1500000', '-P', '7E2', '-F', 'rtscts']);
	assert.deepEqual(serialArgv(parseSpec({ serial: '/dev/ttyUSB0', logMax: 1 }, 's2')), ['serial', '-L', '1048576', '-D', '/dev/ttyUSB0', '-S', '115200', '-P', '8N1', '-F', 'none']);
});

test('a spec of the wrong backend is a user error', () => {
	const q = parseSpec({ kernel: '/k' }, 'q1');
	assert.throws(() => execArgv(q), UserError);
	assert.throws(() => serialArgv(q), UserError);
});

// `obsdtui daemon proxy` on its own (no ssh): the version lines, then the daemon's frames
// byte for byte on stdout, and an exit when either side closes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Sandbox, BIN, until } from '../helpers/cli.ts';
import { encodeJson, FrameDecoder, parseJsonPayload } from '../../src/common/frame.ts';

const box = new Sandbox('otp');
after(() => box.cleanup());

interface Proxy {
	child: ChildProcessWithoutNullStreams;
	out: () => Buffer;
	err: () => string;
	exit: Promise<number | null>;
}

function startProxy(): Proxy {
	const child = spawn(process.execPath, [BIN, 'daemon', 'proxy'], { env: box.env, stdio: ['pipe', 'pipe', 'pipe'] });
	let out = Buffer.alloc(0);
	let err = '';
	child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
	child.stderr.on('data', (d: Buffer) => (err += d));
	const guard = setTimeout(() => child.kill('SIGKILL'), 60000);
	const exit = new Promise<number | null>((resolve) =>
		child.on('close', (code) => {
			clearTimeout(guard);
			resolve(code);
		}),
	);
	return { child, out: () => out, err: () => err, exit };
}

/** The frames after the first line of `out`. */
function framesAfterLine(out: Buffer): Record<string, unknown>[] {
	const nl = out.indexOf(0x0a);
	return new FrameDecoder().push(out.subarray(nl + 1)).map((f) => parseJsonPayload(f.payload));
}

test('proxy answers the version line, then carries frames both ways; exits when stdin closes', async () => {
	await box.ok(['up', 'p1', '--exec', 'echo proxied-vm; sleep 600']);
	const p = startProxy();
	// Everything at once, in one write: the proxy must keep what follows the line.
	p.child.stdin.write(Buffer.concat([Buffer.from('obsdtui-proxy 1\n'), encodeJson({ id: 1, op: 'hello', who: 'test' }), encodeJson({ id: 2, op: 'ls' })]));
	await until(() => framesAfterLine(p.out()).length >= 2, 'hello and ls replies through the proxy');
	const out = p.out();
	assert.equal(out.subarray(0, out.indexOf(0x0a) + 1).toString(), 'obsdtui-proxy 1 ok\n');
	const [hello, ls] = framesAfterLine(out);
	assert.equal(hello.id, 1);
	assert.equal(hello.protocol, 1);
	assert.equal(ls.id, 2);
	assert.deepEqual((ls.vms as { name: string }[]).map((v) => v.name), ['p1']);
	p.child.stdin.end();
	assert.equal(await p.exit, 0);
	assert.equal(p.err(), '');
});

test('proxy refuses another protocol version and a client that sends no version line', async () => {
	const p = startProxy();
	p.child.stdin.end('obsdtui-proxy 99\n');
	assert.equal(await p.exit, 3);
	assert.equal(p.out().toString(), 'obsdtui-proxy 1 error protocol version mismatch: the client speaks 99, obsdtui here speaks 1; install the same version on both\n');
	const q = startProxy();
	q.child.stdin.end(encodeJson({ id: 1, op: 'ls' }));
	assert.equal(await q.exit, 3);
	assert.match(q.out().toString(), /^obsdtui-proxy 1 error not an obsdtui client/);
});

test('proxy exits when the daemon goes away', async () => {
	const p = startProxy();
	p.child.stdin.write('obsdtui-proxy 1\n');
	await until(() => p.out().includes('ok\n'), 'the ok line');
	await box.ok(['daemon', 'stop']);
	assert.equal(await p.exit, 0);
	p.child.stdin.end();
});

test('proxy starts the daemon when none runs', async () => {
	const fresh = new Sandbox('otq');
	try {
		const child = spawn(process.execPath, [BIN, 'daemon', 'proxy'], { env: fresh.env, stdio: ['pipe', 'pipe', 'pipe'] });
		let out = Buffer.alloc(0);
		child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
		child.stdin.write(Buffer.concat([Buffer.from('obsdtui-proxy 1\n'), encodeJson({ id: 7, op: 'status' })]));
		await until(() => framesAfterLine(out).length >= 1, 'status through a proxy that started the daemon');
		assert.equal(framesAfterLine(out)[0].pid, fresh.daemonPid());
		child.stdin.end();
		await new Promise((r) => child.on('close', r));
	} finally {
		fresh.cleanup();
	}
});

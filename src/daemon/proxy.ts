// `obsdtui daemon proxy`: what `ssh HOST obsdtui daemon proxy` runs on the far side. It
// joins its stdin/stdout to this machine's daemon socket (starting the daemon as any
// command does), after checking the protocol version on both ends:
//
//   client -> proxy   obsdtui-proxy V\n
//   proxy  -> client  obsdtui-proxy V ok\n            then frames both ways, byte for byte
//                     obsdtui-proxy V error MESSAGE\n and exit 3
//
// V is PROTOCOL_VERSION. The proxy asks the running daemon's version with `hello` first:
// a daemon left running from an older install would misread a newer client. Nothing but
// these lines and the daemon's frames is ever written to stdout (messages go to stderr,
// which ssh carries back).
import { encodeJson, FrameDecoder, parseJsonPayload, PROTOCOL_VERSION, PROXY_MAGIC } from '../common/frame.ts';
import { errorMessage } from '../common/errors.ts';
import { openDaemonSocket } from '../client/client.ts';
import type { Socket } from 'node:net';

const MAX_LINE = 1024;

/** Read stdin up to the first newline: the line and whatever came after it. */
function readFirstLine(): Promise<{ line: string; rest: Buffer } | null> {
	return new Promise((resolve) => {
		let buf = Buffer.alloc(0);
		const done = (v: { line: string; rest: Buffer } | null) => {
			process.stdin.off('data', onData);
			process.stdin.off('end', onEnd);
			process.stdin.pause();
			resolve(v);
		};
		const onData = (chunk: Buffer) => {
			buf = Buffer.concat([buf, chunk]);
			const nl = buf.indexOf(0x0a);
			if (nl >= 0) done({ line: buf.subarray(0, nl).toString('utf8').replace(/\r$/, ''), rest: buf.subarray(nl + 1) });
			else if (buf.length > MAX_LINE) done(null);
		};
		const onEnd = () => done(null);
		process.stdin.on('data', onData);
		process.stdin.on('end', onEnd);
	});
}

/** `hello` on the raw socket: the daemon's protocol version, and any bytes after the reply. */
function askVersion(socket: Socket): Promise<{ protocol: unknown; rest: Buffer }> {
	return new Promise((resolve, reject) => {
		let buf = Buffer.alloc(0);
		const dec = new FrameDecoder();
		const onData = (chunk: Buffer) => {
			buf = Buffer.concat([buf, chunk]);
			let frames;
			try {
				frames = dec.push(chunk);
			} catch (err) {
				reject(err);
				return;
			}
			// The daemon answers `hello` before sending anything else on a new connection.
			const reply = frames[0];
			if (!reply) return;
			socket.off('data', onData);
			socket.off('close', onClose);
			socket.pause();
			resolve({ protocol: parseJsonPayload(reply.payload).protocol, rest: buf.subarray(5 + reply.payload.length) });
		};
		const onClose = () => reject(new Error('the daemon closed the connection'));
		socket.on('data', onData);
		socket.on('close', onClose);
		socket.write(encodeJson({ id: 0, op: 'hello', who: 'obsdtui daemon proxy' }));
	});
}

/** Runs the proxy; resolves with the exit status once either side has closed. */
export async function runProxy(): Promise<number> {
	const answer = (text: string) => new Promise<void>((resolve) => process.stdout.write(`${PROXY_MAGIC} ${PROTOCOL_VERSION} ${text}\n`, () => resolve()));
	const refuse = async (message: string) => {
		await answer(`error ${message.replace(/\n/g, ' ')}`);
		return 3;
	};
	const first = await readFirstLine();
	const m = first && new RegExp(`^${PROXY_MAGIC} (\\d+)$`).exec(first.line);
	if (!first || !m) return refuse('not an obsdtui client (expected a version line first)');
	if (Number(m[1]) !== PROTOCOL_VERSION) return refuse(`protocol version mismatch: the client speaks ${m[1]}, obsdtui here speaks ${PROTOCOL_VERSION}; install the same version on both`);

	let socket: Socket;
	let rest: Buffer;
	try {
		socket = await openDaemonSocket();
		const v = await askVersion(socket);
		if (v.protocol !== PROTOCOL_VERSION) {
			socket.destroy();
			return refuse(`protocol version mismatch: the running daemon speaks ${String(v.protocol)}, this obsdtui speaks ${PROTOCOL_VERSION} (run 'obsdtui daemon stop' there)`);
		}
		rest = v.rest;
	} catch (err) {
		return refuse(errorMessage(err));
	}
	await answer('ok');
	return new Promise<number>((resolve) => {
		socket.on('error', () => {});
		process.stdout.on('error', () => socket.destroy());
		if (rest.length) process.stdout.write(rest);
		if (first.rest.length) socket.write(first.rest);
		socket.pipe(process.stdout, { end: false });
		process.stdin.pipe(socket);
		socket.resume();
		process.stdin.resume();
		// Either side closing ends the proxy: the daemon going away (ssh then ends and the
		// client says the connection was lost), or the client (stdin ends when ssh does).
		socket.on('close', () => resolve(0));
		process.stdin.on('end', () => socket.end());
	});
}

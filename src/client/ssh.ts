// The transport to another machine's daemon: `ssh -T HOST obsdtui daemon proxy`, the
// client protocol's frames over ssh's stdin/stdout (docs/client-protocol.md, "Over ssh").
// OpenSSH does the authentication and the encryption; we add no listener of our own.
// Connection sharing (ControlMaster) keeps one ssh connection per host for 60 s after its
// last use, so a run of commands pays for one handshake.
import { EventEmitter } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { UserError } from '../common/errors.ts';
import { PROTOCOL_VERSION, PROXY_MAGIC, parseProxyLine } from '../common/frame.ts';
import { ensurePrivateDir, runtimeDir } from '../common/paths.ts';
import { sshCommand, type Host } from './hosts.ts';

/** The remote command: the hosts file's `obsdtui=`, else OBSDTUI_REMOTE_OBSDTUI, else `obsdtui`. */
export function remoteCommand(host: Host): string {
	return host.remoteCommand ?? (process.env.OBSDTUI_REMOTE_OBSDTUI || 'obsdtui');
}

/** The whole ssh command line for `host` (the user's OBSDTUI_SSH words come first, so their -o win). */
export function sshArgv(host: Host): string[] {
	const dir = runtimeDir();
	return [
		...sshCommand(),
		'-T',
		'-o', 'ControlMaster=auto',
		'-o', 'ControlPersist=60',
		// %C: a hash of the local host, remote host, port and user; short enough for a socket path.
		'-o', `ControlPath=${join(dir, 'ssh-%C')}`,
		'-o', 'ConnectTimeout=20',
		// A host that vanished (cable, sleep) is noticed within a minute, not at the next TCP timeout.
		'-o', 'ServerAliveInterval=15',
		...(host.port ? ['-p', String(host.port)] : []),
		'--',
		host.dest,
		remoteCommand(host),
		'daemon',
		'proxy',
	];
}

/**
 * Why ssh ended before the proxy answered, in one line. ssh exits 255 for its own errors
 * (with its reason on stderr) and otherwise with the remote command's status: 127 when
 * the remote shell found no such command.
 */
export function sshFailure(host: string, code: number | null, stderr: string): string {
	const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
	const last = lines.at(-1) ?? '';
	const has = (re: RegExp) => lines.some((l) => re.test(l));
	if (code === 127 || (code !== 255 && has(/command not found|No such file or directory/))) {
		return `${host}: no obsdtui there (the remote command was not found: ${last || `exit ${code}`}); install it or set OBSDTUI_REMOTE_OBSDTUI (or obsdtui= in the hosts file) to its path`;
	}
	if (code === 255) {
		if (has(/Permission denied|Too many authentication failures|no matching host key|Authentication failed/i)) return `${host}: ssh authentication failed: ${last}`;
		if (has(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/)) return `${host}: ssh refused the host key: ${last}`;
		if (has(/Could not resolve|Connection refused|timed out|No route to host|Network is unreachable|Connection closed by|Connection reset/i)) return `${host}: unreachable: ${last}`;
		return `${host}: ssh failed: ${last || 'exit 255'}`;
	}
	return `${host}: obsdtui daemon proxy failed (exit ${code ?? 'by signal'})${last ? `: ${last}` : ''}`;
}

/** ssh's stdin/stdout as a Link for DaemonClient, after the proxy's answer line. */
export class SshLink extends EventEmitter {
	private held: Buffer[] | null = [];
	private stderrTail = '';
	destroyed = false;
	exitCode: number | null = null;

	constructor(
		readonly host: string,
		private readonly child: ChildProcess,
	) {
		super();
		child.stderr!.on('data', (d: Buffer) => {
			if (process.env.OBSDTUI_DEBUG) process.stderr.write(d);
			this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-4096);
		});
		child.stdin!.on('error', () => {});
		child.on('close', (code) => {
			this.exitCode = code;
			this.destroyed = true;
			this.emit('close');
		});
	}

	/** @internal: bytes from ssh's stdout; held until the client listens (resume()). */
	push(chunk: Buffer): void {
		if (this.held) this.held.push(chunk);
		else this.emit('data', chunk);
	}

	resume(): this {
		const held = this.held ?? [];
		this.held = null;
		for (const c of held) this.emit('data', c);
		return this;
	}

	get stderr(): string {
		return this.stderrTail;
	}

	write(data: Buffer): boolean {
		if (this.destroyed || !this.child.stdin!.writable) return false;
		return this.child.stdin!.write(data);
	}

	end(): void {
		this.child.stdin!.end();
	}

	destroy(): void {
		if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
	}

	closeReason(): string {
		const last = this.stderrTail.split('\n').map((l) => l.trim()).filter(Boolean).at(-1);
		return `connection to ${this.host} lost${last ? `: ${last}` : this.exitCode !== null ? ` (ssh exited ${this.exitCode})` : ''}`;
	}
}

/** At most this much before the proxy's line (a login script's chatter on stdout). */
const MAX_PREAMBLE = 64 * 1024;

/**
 * Start ssh and wait for the proxy's answer to our version line. Rejects with one line
 * for each way this fails (no obsdtui there, versions differ, authentication, network).
 */
export function openSshLink(host: Host, signal?: AbortSignal): Promise<SshLink> {
	ensurePrivateDir(runtimeDir());
	const argv = sshArgv(host);
	return new Promise((resolve, reject) => {
		let child: ChildProcess;
		try {
			// stdin/stdout are ours; the ssh's own prompts (passphrase, host key) use /dev/tty.
			child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
		} catch (err) {
			reject(new UserError(`cannot run ${argv[0]} (OBSDTUI_SSH): ${(err as Error).message}`));
			return;
		}
		const link = new SshLink(host.name, child);
		let answered = false;
		let pre = Buffer.alloc(0);
		const fail = (message: string) => {
			if (answered) return;
			answered = true;
			link.destroy();
			reject(new UserError(message));
		};
		child.on('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? `cannot run ${argv[0]}: not found (OBSDTUI_SSH)` : `cannot run ${argv[0]}: ${err.message}`));
		child.stdout!.on('data', (chunk: Buffer) => {
			if (answered) {
				link.push(chunk);
				return;
			}
			pre = Buffer.concat([pre, chunk]);
			for (;;) {
				const nl = pre.indexOf(0x0a);
				if (nl < 0) break;
				const line = pre.subarray(0, nl).toString('utf8');
				pre = pre.subarray(nl + 1);
				const answer = parseProxyLine(line);
				if (!answer) continue;
				if (answer.version !== PROTOCOL_VERSION) {
					fail(`${host.name}: protocol version mismatch: obsdtui there speaks ${answer.version}, this one speaks ${PROTOCOL_VERSION}; install the same version on both`);
					return;
				}
				if (!answer.ok) {
					fail(`${host.name}: ${answer.error}`);
					return;
				}
				answered = true;
				if (pre.length) link.push(Buffer.from(pre));
				resolve(link);
				return;
			}
			if (pre.length > MAX_PREAMBLE) fail(`${host.name}: no answer from obsdtui daemon proxy (${MAX_PREAMBLE} bytes of other output on ssh's stdout)`);
		});
		child.on('close', (code) => {
			if (!answered) fail(sshFailure(host.name, code, link.stderr));
		});
		signal?.addEventListener('abort', () => fail(`${host.name}: gave up waiting for ssh`), { once: true });
		child.stdin!.write(`${PROXY_MAGIC} ${PROTOCOL_VERSION}\n`);
	});
}

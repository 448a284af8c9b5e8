// Test hosts for the ssh transport: each a real OpenSSH server (Debian's /usr/sbin/sshd)
// with key-only auth, its own sshd_config, host key and authorized_keys in a temp dir, in
// a network namespace of its own reached over a veth pair (10.200.N.2, the root namespace
// at 10.200.N.1). Each host's obsdtui daemon has its own state and runtime dirs, set for
// ssh sessions by sshd's SetEnv. Where namespaces cannot be made (no CAP_SYS_ADMIN), the
// hosts are sshd's on loopback ports instead, and `note` says so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Sandbox, BIN, until } from './cli.ts';

function sh(cmd: string, args: string[]): { ok: boolean; err: string } {
	const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
	return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

function must(cmd: string, args: string[]): void {
	const r = sh(cmd, args);
	if (!r.ok) throw new Error(`${cmd} ${args.join(' ')}: ${r.err}`);
}

/** A key pair made with ssh-keygen; `path` is the private key. */
export function makeKey(dir: string, name: string): { path: string; pub: string } {
	const path = join(dir, name);
	must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
	return { path, pub: readFileSync(`${path}.pub`, 'utf8') };
}

function portOpen(host: string, port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const s = connect({ host, port });
		s.once('connect', () => {
			s.destroy();
			resolve(true);
		});
		s.once('error', () => resolve(false));
	});
}

/** Whether `ip netns` works here; the tests fall back to loopback ports when it does not. */
export function namespacesWork(): boolean {
	const probe = `otsshprobe${process.pid}`;
	const r = sh('ip', ['netns', 'add', probe]);
	if (r.ok) sh('ip', ['netns', 'del', probe]);
	return r.ok;
}

export class TestHost {
	/** The daemon's dirs on this host (the Sandbox's env is what sshd sets for sessions). */
	readonly box: Sandbox;
	readonly addr: string;
	readonly port: number;
	/** The root namespace's end of the veth pair, to unplug the host. */
	readonly veth?: string;
	readonly ns?: string;
	/** A wrapper that runs this checkout's obsdtui: the hosts file's obsdtui= for this host. */
	readonly obsdtui: string;
	private sshd?: ChildProcess;
	readonly sshdLog: string;

	constructor(
		readonly name: string,
		index: number,
		clientPub: string,
		useNamespace: boolean,
	) {
		this.box = new Sandbox(`ots${index}`);
		const d = this.box.dir;
		const tag = `${process.pid % 100000}${index}`;
		if (useNamespace) {
			this.ns = `otssh${tag}`;
			this.veth = `otv${tag}`;
			// A subnet per run and host, so a run that died without cleaning up is no obstacle.
			this.addr = `10.200.${((process.pid % 100) * 2 + index) % 250}.2`;
			this.port = 2222;
		} else {
			this.addr = '127.0.0.1';
			this.port = 22200 + (process.pid % 500) * 4 + index;
		}
		must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(d, 'hostkey')]);
		writeFileSync(join(d, 'authorized_keys'), clientPub, { mode: 0o600 });
		this.obsdtui = join(d, 'obsdtui');
		// The PATH of an ssh session is sshd's default: name node by its path.
		writeFileSync(this.obsdtui, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
		this.sshdLog = join(d, 'sshd.log');
		writeFileSync(
			join(d, 'sshd_config'),
			[
				`Port ${this.port}`,
				`ListenAddress ${this.addr}`,
				`HostKey ${join(d, 'hostkey')}`,
				`AuthorizedKeysFile ${join(d, 'authorized_keys')}`,
				`PidFile ${join(d, 'sshd.pid')}`,
				'PermitRootLogin prohibit-password',
				'PubkeyAuthentication yes',
				'PasswordAuthentication no',
				'KbdInteractiveAuthentication no',
				'StrictModes no',
				'UsePAM no',
				'LogLevel VERBOSE',
				`SetEnv OBSDTUI_STATE_DIR=${this.box.env.OBSDTUI_STATE_DIR} OBSDTUI_RUNTIME_DIR=${this.box.env.OBSDTUI_RUNTIME_DIR}`,
				'',
			].join('\n'),
		);
	}

	/** `[user@]host:port`, as -H or the hosts file takes it. */
	get target(): string {
		return `root@${this.addr}:${this.port}`;
	}

	async start(): Promise<void> {
		if (this.ns && this.veth && !existsSync(`/run/netns/${this.ns}`)) {
			const i = this.addr.split('.')[2];
			must('ip', ['netns', 'add', this.ns]);
			must('ip', ['link', 'add', this.veth, 'type', 'veth', 'peer', 'name', `${this.veth}p`]);
			must('ip', ['link', 'set', `${this.veth}p`, 'netns', this.ns]);
			must('ip', ['addr', 'add', `10.200.${i}.1/24`, 'dev', this.veth]);
			must('ip', ['link', 'set', this.veth, 'up']);
			must('ip', ['-n', this.ns, 'addr', 'add', `${this.addr}/24`, 'dev', `${this.veth}p`]);
			must('ip', ['-n', this.ns, 'link', 'set', `${this.veth}p`, 'up']);
			must('ip', ['-n', this.ns, 'link', 'set', 'lo', 'up']);
		}
		// sshd insists on its privilege separation directory.
		mkdirSync('/run/sshd', { recursive: true });
		chmodSync('/run/sshd', 0o755);
		const argv = ['/usr/sbin/sshd', '-D', '-e', '-f', join(this.box.dir, 'sshd_config')];
		this.sshd = this.ns ? spawn('ip', ['netns', 'exec', this.ns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
		const sshd = this.sshd;
		// Its last words may come after cleanup removed the dir: only while it is ours.
		sshd.stderr!.on('data', (d: Buffer) => {
			if (this.sshd === sshd) writeFileSync(this.sshdLog, d, { flag: 'a' });
		});
		await until(() => portOpen(this.addr, this.port), `sshd of ${this.name} on ${this.addr}:${this.port} (log: ${this.sshdLog})`);
	}

	/** Stop this host's sshd (the listener; sessions it forked end with their connections). */
	stopSshd(): void {
		this.sshd?.kill('SIGTERM');
		this.sshd = undefined;
	}

	/** Unplug / plug the host's network (namespaces only): a host that went away. */
	link(up: boolean): void {
		if (this.veth) must('ip', ['link', 'set', this.veth, up ? 'up' : 'down']);
	}

	cleanup(): void {
		this.stopSshd();
		this.box.cleanup();
		if (this.veth) sh('ip', ['link', 'del', this.veth]);
		if (this.ns) sh('ip', ['netns', 'del', this.ns]);
	}
}

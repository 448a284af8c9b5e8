// Through ssh: a real sshd on a loopback port (test/helpers/ssh-hosts.ts), its own daemon.
//
// 1. Keystroke to echo (p50, p99): one byte typed into an exec console running `cat` (the
//    pty echoes it) until it comes back, through the local daemon, through ssh
//    (`obsdtui daemon proxy` over a shared connection), and, as the baseline for what ssh
//    itself costs, plain `ssh host cat` over the same shared connection.
// 2. `obsdtui ls` wall time: local, and `-H host` with a warm control master; `ssh host
//    true` over the same master as what any ssh command costs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, BIN, until } from '../test/helpers/cli.ts';
import { TestHost, makeKey } from '../test/helpers/ssh-hosts.ts';

const KEYS = Number(process.env.BENCH_SSH_KEYS ?? 200);
const RUNS = Number(process.env.BENCH_SSH_RUNS ?? 15);

function pct(xs: number[], p: number): number {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const client = new Sandbox('otbc');
const keys = join(client.dir, 'keys');
mkdirSync(keys);
const key = makeKey(keys, 'id');
const host = new TestHost('bench', 9, key.pub, false);
const ssh = ['ssh', '-F', '/dev/null', '-i', key.path, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${join(client.dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=accept-new'];
const shared = ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=60', '-o', `ControlPath=${join(client.dir, 'run', 'ssh-%C')}`, '-p', String(host.port)];
client.env.OBSDTUI_SSH = ssh.join(' ');
client.env.OBSDTUI_REMOTE_OBSDTUI = host.obsdtui;
const dest = `root@${host.addr}`;

/** Type one byte at a time and time each echo: resolved by the output event itself, not by polling. */
async function echoLatency(write: (b: string) => void, stream: NodeJS.ReadableStream): Promise<number[]> {
	const times: number[] = [];
	let seen = '';
	let waiting: { ch: string; done: () => void } | undefined;
	stream.on('data', (d: Buffer) => {
		seen += d.toString('latin1');
		if (waiting && seen.includes(waiting.ch)) waiting.done();
	});
	for (let i = 0; i < KEYS; i++) {
		// Digits and letters in turn: each key is told apart from the one before.
		const ch = String.fromCharCode((i % 2 ? 97 : 48) + (i % 10));
		seen = '';
		const t0 = process.hrtime.bigint();
		const guard = setTimeout(() => waiting?.done(), 30000);
		await new Promise<void>((resolve) => {
			waiting = { ch, done: resolve };
			write(ch);
		});
		clearTimeout(guard);
		waiting = undefined;
		times.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	return times;
}

function runConsole(args: string[]) {
	const child = spawn(process.execPath, [BIN, ...args], { env: client.env, stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => (out += d));
	return { child, out: () => out };
}

try {
	await host.start();
	// The same VM shape on both daemons: `cat` on a pty, which echoes what is typed.
	await client.ok(['up', 'lat', '--exec', 'cat']);
	await client.ok(['-H', host.target, 'up', 'lat', '--exec', 'cat']);
	const rows: [string, number[]][] = [];
	const plain = spawn(ssh[0], [...ssh.slice(1), ...shared, dest, 'cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
	// cat writes what it reads: each byte with a newline, timed until the byte is back.
	rows.push(['plain ssh host cat (baseline)', await echoLatency((b) => plain.stdin.write(`${b}\n`), plain.stdout)]);
	plain.stdin.end();
	for (const [label, target] of [
		['obsdtui console, local', 'lat'],
		['obsdtui console, via ssh', `${host.target}:lat`],
	] as const) {
		const c = runConsole(['console', target]);
		await until(() => c.out().includes('attached to lat'), 'attach', 60000);
		rows.push([label, await echoLatency((b) => c.child.stdin.write(b), c.child.stdout)]);
		c.child.kill('SIGTERM');
	}
	const base = pct(rows[0][1], 50);
	console.log(`   keystroke to echo, ${KEYS} keys each (loopback sshd)`);
	for (const [label, xs] of rows) console.log(`   ${label.padEnd(30)} p50 ${pct(xs, 50).toFixed(2).padStart(6)} ms  p99 ${pct(xs, 99).toFixed(2).padStart(6)} ms  p50 ratio ${(pct(xs, 50) / base).toFixed(2)}`);

	const cases: [string, string, string[]][] = [
		['ssh host true (baseline)', ssh[0], [...ssh.slice(1), ...shared, dest, 'true']],
		['obsdtui ls, local', process.execPath, [BIN, 'ls']],
		['obsdtui -H host ls (warm)', process.execPath, [BIN, '-H', host.target, 'ls']],
	];
	const wall = new Map<string, number[]>(cases.map(([l]) => [l, []]));
	for (let i = 0; i < RUNS; i++) {
		for (const [label, cmd, argv] of cases) {
			const t0 = process.hrtime.bigint();
			const r = spawnSync(cmd, argv, { env: client.env, stdio: 'ignore' });
			if (r.status !== 0) throw new Error(`${label} exited ${r.status}`);
			wall.get(label)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
	}
	const lsBase = pct(wall.get('obsdtui ls, local')!, 50);
	console.log(`   ls wall time, ${RUNS} interleaved runs each, median (ratio against local ls)`);
	for (const [label, xs] of wall) console.log(`   ${label.padEnd(30)} ${pct(xs, 50).toFixed(0).padStart(5)} ms  ratio ${(pct(xs, 50) / lsBase).toFixed(2)}`);
} finally {
	spawnSync(ssh[0], [...ssh.slice(1), ...shared, '-O', 'exit', dest], { stdio: 'ignore', timeout: 10000 });
	host.cleanup();
	client.cleanup();
}

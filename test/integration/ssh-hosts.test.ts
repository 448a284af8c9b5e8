// obsdtui across machines: two test hosts, each a real sshd (key-only) in a network
// namespace with its own obsdtui daemon and exec-source VMs (test/helpers/ssh-hosts.ts).
// The CLI reaches them with -H, HOST:VM and the hosts file through real ssh, connection
// sharing included: list, up, console (piped), send, wait and logs on both; one host
// unplugged or its daemon killed mid-session leaves the other's console running, is
// marked in `ls --all`, and comes back. Then the one-line errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, BIN, until as untilPlain } from '../helpers/cli.ts';
import { TestHost, makeKey, namespacesWork } from '../helpers/ssh-hosts.ts';
import { Tmux, haveTmux } from '../helpers/tmux.ts';

const client = new Sandbox('otc');
const keys = join(client.dir, 'keys');
mkdirSync(keys);
const good = makeKey(keys, 'id_good');
const bad = makeKey(keys, 'id_bad');
const netns = namespacesWork();
const A = new TestHost('hostA', 1, good.pub, netns);
const B = new TestHost('hostB', 2, good.pub, netns);
const knownHosts = join(client.dir, 'known_hosts');

/** The ssh command line of the tests: a private known_hosts, our key only, no user config. */
function sshWith(key: string): string {
	return `ssh -F /dev/null -i ${key} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=accept-new`;
}

before(async () => {
	if (!netns) console.log('# note: ip netns add failed here; the test hosts are sshd instances on loopback ports instead of network namespaces');
	client.env.OBSDTUI_SSH = sshWith(good.path);
	// For hosts named by target rather than by the hosts file (both hosts' wrappers are alike).
	client.env.OBSDTUI_REMOTE_OBSDTUI = A.obsdtui;
	client.env.XDG_CONFIG_HOME = join(client.dir, 'config');
	mkdirSync(join(client.dir, 'config', 'obsdtui'), { recursive: true });
	writeFileSync(
		join(client.dir, 'config', 'obsdtui', 'hosts'),
		[`# test hosts`, `hostA ${A.target} obsdtui=${A.obsdtui}`, `hostB ${B.target} obsdtui=${B.obsdtui}  # the other one`, ''].join('\n'),
	);
	await Promise.all([A.start(), B.start()]);
});

const terms: Tmux[] = [];

after(() => {
	for (const t of terms) t.kill();
	for (const c of consoles) c.child.kill('SIGTERM');
	// End the shared connections (ssh's ControlPersist masters) before their sshd goes.
	closeShared(client);
	for (const h of [A, B]) {
		try {
			h.cleanup();
		} catch (err) {
			console.log(`# cleanup of ${h.name}: ${(err as Error).message}`);
		}
	}
	client.cleanup();
});

/** End the shared connections (ssh's ControlPersist masters) a sandbox's commands left. */
function closeShared(box: Sandbox): void {
	for (const h of [A, B]) spawnSync('ssh', ['-o', `ControlPath=${join(box.dir, 'run', 'ssh-%C')}`, '-p', String(h.port), '-O', 'exit', `root@${h.addr}`], { timeout: 10000 });
}

/** until(), and on a time-out the consoles' output, to see what they saw. */
async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs?: number): Promise<NonNullable<T>> {
	try {
		return await untilPlain(check, what, timeoutMs);
	} catch (err) {
		throw new Error(`${(err as Error).message}\n${consoles.map((c, i) => `--- console ${i}:\n${c.out()}`).join('\n')}`);
	}
}

interface Console {
	child: ChildProcessWithoutNullStreams;
	out: () => string;
}
const consoles: Console[] = [];

/** `obsdtui console TARGET` with piped stdin/stdout, as a script would run it. */
function openConsole(target: string): Console {
	const child = spawn(process.execPath, [BIN, 'console', target], { env: client.env, stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => (out += d));
	child.stderr.on('data', (d) => (out += d));
	const c = { child, out: () => out };
	consoles.push(c);
	return c;
}

test('up, wait, send and log on both hosts, by -H, HOST:VM and OBSDTUI_HOST', async () => {
	await client.ok(['-H', 'hostA', 'up', 'a1', '--exec', 'echo booted-A; while read l; do echo "A got:$l"; done']);
	await client.ok(['up', 'hostB:b1', '--exec', 'echo booted-B; while read l; do echo "B got:$l"; done']);
	assert.match(await client.ok(['wait', 'hostA:a1', '--for', 'booted-A', '--timeout', '60']), /booted-A/);
	assert.match(await client.ok(['-H', 'hostB', 'wait', 'b1', '--for', 'booted-B', '--timeout', '60']), /booted-B/);
	await client.ok(['send', 'hostA:a1', 'hello from afar']);
	await client.ok(['send', `${B.target}:b1`, 'hello B']);
	await client.ok(['wait', 'hostA:a1', '--for', 'A got:hello from afar', '--timeout', '60']);
	// OBSDTUI_HOST picks the host when neither -H nor HOST:VM does.
	const env = { ...client.env, OBSDTUI_HOST: 'hostB' };
	const r = spawnSync(process.execPath, [BIN, 'wait', 'b1', '--for', 'B got:hello B', '--timeout', '60'], { env, encoding: 'utf8', timeout: 90000 });
	assert.equal(r.status, 0, r.stderr);
	// Each VM lives on its own host's daemon only.
	assert.deepEqual(JSON.parse(await client.ok(['-H', 'hostA', 'ls', '--json'])).vms.map((v: { name: string }) => v.name), ['a1']);
	assert.deepEqual(JSON.parse(readFileSync(join(B.box.vmDir('b1'), 'spec.json'), 'utf8')).command, 'echo booted-B; while read l; do echo "B got:$l"; done');
	// The log, streamed by the far daemon (read_log), byte for byte what is on its disk.
	const logA = await client.ok(['log', 'hostA:a1']);
	assert.match(logA, /^booted-A\r?\n/);
	assert.match(logA, /A got:hello from afar\r?\n/);
	assert.equal(logA, readFileSync(join(A.box.vmDir('a1'), 'boot.001.log'), 'utf8'));
	assert.match(await client.ok(['-H', 'hostB', 'log', 'b1']), /B got:hello B/);
	// scan and dmesg of a remote VM fetch its log first.
	assert.match(await client.ok(['scan', 'hostA:a1']), /^hostA:a1: 3 lines, 0 boots, 0 crashes\n/);
	// report asks the far daemon for the VM's backend and its host's facts; the log comes over as for scan.
	const report = await client.ok(['report', 'hostA:a1']);
	assert.match(report, /^\thost: Linux .* \(hostA, over ssh\)$/m);
	assert.match(report, /^\tVM a1, backend exec$/m);
	const dmesg = await client.run(['dmesg', 'hostB:b1']);
	assert.equal(dmesg.code, 1);
	assert.equal(dmesg.stderr, 'obsdtui: no kernel banner in this log, so there is no dmesg\n');
	const tsOnly = await client.run(['log', 'hostA:a1', '--timestamps']);
	assert.equal(tsOnly.code, 1);
	assert.match(tsOnly.stderr, /^obsdtui: --timestamps, --audit and --format asciicast read the log index/);
});

test('ls --all lists this machine and every configured host with a HOST column', async () => {
	const out = await client.ok(['ls', '--all']);
	const lines = out.trim().split('\n');
	assert.match(lines[0], /^HOST\s+NAME\s+BACKEND\s+STATE/);
	assert.match(out, /^local\s+-\s+-\s+no VMs/m);
	assert.match(out, /^hostA\s+a1\s+exec\s+running/m);
	assert.match(out, /^hostB\s+b1\s+exec\s+running/m);
	const json = JSON.parse(await client.ok(['ls', '--all', '--json'])) as { hosts: { host: string; ok: boolean }[] };
	assert.deepEqual(json.hosts.map((h) => [h.host, h.ok]), [['local', true], ['hostA', true], ['hostB', true]]);
});

test('consoles through ssh: typing on both; one host unplugged does not stop the other; it comes back', async (t) => {
	const ca = openConsole('hostA:a1');
	const cb = openConsole('hostB:b1');
	await until(() => ca.out().includes('attached to a1') && cb.out().includes('attached to b1'), 'both consoles attached', 60000);
	ca.child.stdin.write('typed-in-A\r');
	cb.child.stdin.write('typed-in-B\r');
	await until(() => ca.out().includes('A got:typed-in-A') && cb.out().includes('B got:typed-in-B'), 'echoes on both consoles', 60000);
	if (!netns) {
		t.diagnostic('no namespaces: unplugging a host is not possible on loopback; skipped that part');
		return;
	}
	const beforeUnplug = cb.out().length;
	B.link(false);
	try {
		// A keeps working while B is gone: its console, and commands through its shared connection.
		ca.child.stdin.write('while-B-is-away\r');
		await until(() => ca.out().includes('A got:while-B-is-away'), 'A echoes while B is unplugged', 60000);
		const r = await client.run(['ls', '--all', '--timeout', '3'], { timeoutMs: 60000 });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stdout, /^hostA\s+a1\s+exec\s+running/m);
		assert.match(r.stdout, /^hostB\s+-\s+-\s+unreachable\s+-\s+-\s+-\s+no answer within 3 s$/m);
	} finally {
		B.link(true);
	}
	// Plugged back in, B answers again. If its console's connection died meanwhile (ssh
	// gave up on it), the console reconnected: type once it holds the console again.
	assert.match(await client.ok(['ls', '--all']), /^hostB\s+b1\s+exec\s+running/m);
	await until(() => {
		const s = cb.out().slice(beforeUnplug);
		return !s.includes('reconnecting') || /you now hold the console|re-attached, read-write/.test(s);
	}, "B's console back", 90000);
	cb.child.stdin.write('B-is-back\r');
	await until(() => cb.out().includes('B got:B-is-back'), 'B echoes after it came back', 90000);
});

test("killing one host's daemon mid-session: its console reconnects, the other never notices", async () => {
	const [ca, cb] = consoles;
	const pid = B.box.daemonPid();
	assert.ok(pid);
	const from = cb.out().length;
	const since = () => cb.out().slice(from);
	process.kill(pid, 'SIGKILL');
	await until(() => since().includes('connection to hostB lost'), "B's console notices", 60000);
	// The next connection through ssh starts a new daemon there, which adopts the VM.
	await until(() => /re-attached/.test(since()), "B's console re-attached", 90000);
	assert.notEqual(B.box.daemonPid(), pid);
	cb.child.stdin.write('after-restart\r');
	ca.child.stdin.write('A-still-here\r');
	await until(() => cb.out().includes('B got:after-restart') && ca.out().includes('A got:A-still-here'), 'both consoles echo', 60000);
	assert.doesNotMatch(ca.out(), /went away|lost/);
});

test('a command whose connection is lost mid-way fails with one line', async () => {
	const waiting = client.run(['wait', 'hostB:b1', '--for', 'never-printed', '--new', '--timeout', '300'], { timeoutMs: 90000 });
	// wait is in flight once the far daemon has three clients: the console, the wait, and the status asking.
	await until(async () => {
		const s = spawnSync(process.execPath, [BIN, 'daemon', 'status', '--json'], { env: B.box.env, encoding: 'utf8' });
		return s.status === 0 && (JSON.parse(s.stdout) as { clients: number }).clients >= 3;
	}, 'the wait request to reach hostB', 60000);
	process.kill(B.box.daemonPid()!, 'SIGKILL');
	const r = await waiting;
	assert.equal(r.code, 1);
	assert.match(r.stderr, /^obsdtui: connection to hostB lost/);
	assert.equal(r.stderr.split('\n').length, 2, r.stderr);
});

test('one-line errors: no obsdtui there, a bad key, another protocol version, nothing listening', async () => {
	const other = new Sandbox('otd');
	try {
		other.env.OBSDTUI_SSH = sshWith(good.path);
		other.env.OBSDTUI_REMOTE_OBSDTUI = 'obsdtui-not-installed-here';
		let r = await other.run(['-H', A.target, 'ls']);
		assert.equal(r.code, 1);
		assert.match(r.stderr, new RegExp(`^obsdtui: ${A.target}: no obsdtui there \\(the remote command was not found: .*obsdtui-not-installed-here.*not found\\); install it or set OBSDTUI_REMOTE_OBSDTUI`));
		assert.equal(r.stderr.split('\n').length, 2, r.stderr);

		// A fresh runtime dir: the shared connection the command above left in `other`'s
		// (ControlPersist) would otherwise carry this one without authenticating again.
		const badBox = new Sandbox('ote');
		try {
			badBox.env.OBSDTUI_SSH = sshWith(bad.path);
			badBox.env.OBSDTUI_REMOTE_OBSDTUI = A.obsdtui;
			r = await badBox.run(['-H', A.target, 'ls']);
		} finally {
			badBox.cleanup();
		}
		assert.equal(r.code, 1);
		assert.match(r.stderr, new RegExp(`^obsdtui: ${A.target}: ssh authentication failed: root@${A.addr.replace(/\./g, '\\.')}: Permission denied \\(publickey\\)\\.\n$`));

		// A stand-in for an obsdtui of another protocol version on the far side: a script
		// that answers the version line as a newer proxy would.
		const newer = join(other.dir, 'obsdtui-v2');
		writeFileSync(newer, '#!/bin/sh\nread line\necho "obsdtui-proxy 2 ok"\nsleep 5\n', { mode: 0o755 });
		other.env.OBSDTUI_SSH = sshWith(good.path);
		other.env.OBSDTUI_REMOTE_OBSDTUI = newer;
		r = await other.run(['-H', A.target, 'ls']);
		assert.equal(r.code, 1);
		assert.equal(r.stderr, `obsdtui: ${A.target}: protocol version mismatch: obsdtui there speaks 2, this one speaks 1; install the same version on both\n`);

		r = await other.run(['-H', `root@${A.addr}:${A.port + 7}`, 'ls']);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^obsdtui: root@.*: unreachable: ssh: connect to host .* Connection refused\n$/);

		r = await other.run(['--host=-oProxyCommand=x', 'ls']);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /^obsdtui: invalid host "-oProxyCommand=x"/);
	} finally {
		closeShared(other);
		other.cleanup();
	}
});

test('the TUI attaches to a console on another host (attach HOST:VM, in tmux)', { skip: haveTmux() ? false : 'tmux is not installed' }, async () => {
	const t = new Tmux(110, 30);
	terms.push(t);
	t.start(`${process.execPath} ${BIN} attach hostA:a1 --spy`, {
		OBSDTUI_RUNTIME_DIR: String(client.env.OBSDTUI_RUNTIME_DIR),
		OBSDTUI_STATE_DIR: String(client.env.OBSDTUI_STATE_DIR),
		OBSDTUI_SSH: String(client.env.OBSDTUI_SSH),
		XDG_CONFIG_HOME: String(client.env.XDG_CONFIG_HOME),
		PATH: process.env.PATH ?? '',
	});
	await untilPlain(() => t.capture().includes('A got:typed-in-A'), "a1's screen in the TUI", 60000).catch((e: Error) => {
		throw new Error(`${e.message}; screen:\n${t.capture()}`);
	});
	await client.ok(['send', 'hostA:a1', 'seen-in-the-tui']);
	// The guest's 80 columns are the left of the screen; its lines may wrap there.
	const consolePane = () => t.capture().split('\n').map((r) => r.slice(0, 80).padEnd(80)).join('').replace(/\s+/g, '');
	await untilPlain(() => consolePane().includes('Agot:seen-in-the-tui'), 'live output in the TUI', 60000).catch((e: Error) => {
		throw new Error(`${e.message}; screen:\n${t.capture()}`);
	});
	assert.equal(t.dead(), false);
	t.sendKeys('C-]', 'q');
});

test('log -f of a remote VM follows it until it stops; up on the far side again from its saved spec', async () => {
	await client.ok(['up', 'hostA:f1', '--exec', 'echo first-line; read x; echo "second-$x"']);
	await client.ok(['wait', 'hostA:f1', '--for', 'first-line', '--timeout', '60']);
	const follow = spawn(process.execPath, [BIN, 'log', '-f', 'hostA:f1'], { env: client.env, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	follow.stdout.on('data', (d) => (out += d));
	const guard = setTimeout(() => follow.kill('SIGKILL'), 90000);
	const code = new Promise<number | null>((resolve) => follow.on('close', resolve));
	await untilPlain(() => out.includes('first-line'), 'the log so far', 60000);
	await client.ok(['send', 'hostA:f1', 'go']);
	// The command exits after its second line: the VM stops, and log -f ends by itself.
	assert.equal(await code, 0);
	clearTimeout(guard);
	assert.match(out, /first-line\r?\n[^]*second-go\r?\n/);
	// No flags: the far daemon starts it from the spec it saved (the client has none).
	const again = await client.ok(['up', 'hostA:f1']);
	assert.match(again, /^hostA:f1: (starting|running) \(exec, boot 2\)/);
	await client.ok(['wait', 'hostA:f1', '--for', 'first-line', '--timeout', '60']);
	await client.ok(['down', 'hostA:f1', '--force']);
});

test('the TUI lists every host\'s VMs, grouped by host, and attaches to a remote one (in tmux)', { skip: haveTmux() ? false : 'tmux is not installed' }, async () => {
	const t = new Tmux(120, 30);
	terms.push(t);
	t.start(`${process.execPath} ${BIN} --prefix C-a`, {
		OBSDTUI_RUNTIME_DIR: String(client.env.OBSDTUI_RUNTIME_DIR),
		OBSDTUI_STATE_DIR: String(client.env.OBSDTUI_STATE_DIR),
		OBSDTUI_SSH: String(client.env.OBSDTUI_SSH),
		XDG_CONFIG_HOME: String(client.env.XDG_CONFIG_HOME),
		PATH: process.env.PATH ?? '',
	});
	const screen = await untilPlain(() => {
		const c = t.capture();
		return c.includes('hostA:a1') && c.includes('hostB:b1') ? c : undefined;
	}, 'both hosts in the list', 60000).catch((e: Error) => {
		throw new Error(`${e.message}; screen:\n${t.capture()}`);
	});
	// Grouped: hostA's VMs (a1, f1), then hostB's.
	assert.ok(screen.indexOf('hostA:a1') < screen.indexOf('hostA:f1') && screen.indexOf('hostA:f1') < screen.indexOf('hostB:b1'), screen);
	t.sendKeys('j', 'j', 'Enter');
	await untilPlain(() => t.capture().includes('B got:after-restart'), "hostB:b1's console in the TUI", 60000).catch((e: Error) => {
		throw new Error(`${e.message}; screen:\n${t.capture()}`);
	});
	assert.equal(t.dead(), false);
});

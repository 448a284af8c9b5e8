// Issue 12, item 6: the daemon is crash-only. An error nobody caught is logged with its
// stack to daemon.log and the daemon exits; the next command starts a new one, which
// re-adopts the VMs the helpers kept running, with nothing lost from their logs. The
// error is raised through a test-only hook (OBSDTUI_TEST_HOOKS=1) that throws outside any
// request, as a bug in a timer or an event handler would.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, until } from '../helpers/cli.ts';

const box = new Sandbox('otcr');
box.env.OBSDTUI_TEST_HOOKS = '1';
after(() => box.cleanup());

const request = (msg: Record<string, unknown>) => box.request(msg);

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

const daemonLog = () => readFileSync(join(box.dir, 'run', 'daemon.log'), 'utf8');

function vmState(ls: string, name: string): unknown {
	return (JSON.parse(ls) as { vms: { name: string; state: string }[] }).vms.find((v) => v.name === name)?.state;
}

test('an uncaught error: stack in daemon.log, the daemon exits, the next command restarts it and re-adopts the VM, nothing lost', async () => {
	const N = 3000;
	const gate = join(box.dir, 'go');
	// Prints N numbered lines once the gate exists, then stays up.
	await box.ok(['up', 'c1', '--exec', `echo ready; while [ ! -f ${gate} ]; do sleep 0.05; done; i=1; while [ $i -le ${N} ]; do printf 'line %06d\\r\\n' $i; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.05; done; echo ALLDONE; sleep 600`]);
	await box.ok(['wait', 'c1', '--for', 'ready', '--timeout', '30']);
	const first = box.daemonPid()!;
	assert.ok(first);

	// The one harmless kind (EPIPE: a peer went away) is logged and the daemon carries on.
	assert.deepEqual(await request({ op: 'test-crash', kind: 'epipe' }), { id: 1, ok: true });
	await until(() => /ignored EPIPE \(a peer went away\)/.test(daemonLog()), 'the ignored EPIPE in daemon.log');
	assert.equal((JSON.parse(await box.ok(['daemon', 'status', '--json'])) as { pid: number }).pid, first);

	// Anything else: the daemon logs the stack and exits, while the guest is printing.
	writeFileSync(gate, '');
	assert.deepEqual(await request({ op: 'test-crash', kind: 'throw' }), { id: 1, ok: true });
	await until(() => !alive(first), 'the daemon to exit');
	const log = daemonLog();
	assert.match(log, /obsdtui daemon: internal error, exiting with status 70 \(the next command starts a new daemon\): Error: test hook: an internal error\n\s+at /);

	// The helper kept the VM and its log without any daemon.
	const logPath = join(box.vmDir('c1'), 'boot.001.log');
	await until(() => readFileSync(logPath, 'latin1').includes('ALLDONE'), 'the guest to finish printing without a daemon');
	// The next command starts a new daemon, which re-adopts the running VM.
	assert.equal(vmState(await box.ok(['ls', '--json']), 'c1'), 'running');
	const second = box.daemonPid()!;
	assert.notEqual(second, first);
	assert.match(await box.ok(['wait', 'c1', '--for', 'ALLDONE', '--timeout', '20']), /ALLDONE/);
	const lines = readFileSync(logPath, 'latin1').split(/\r?\n/).filter((l) => l.startsWith('line '));
	assert.equal(lines.length, N);
	for (let i = 0; i < N; i++) assert.equal(lines[i], `line ${String(i + 1).padStart(6, '0')}`);
	// The new daemon's screen has the end of the output.
	const screen = await request({ op: 'screen_text', name: 'c1' });
	assert.ok((screen.lines as string[]).some((l) => l.startsWith('ALLDONE')), `the screen: ${JSON.stringify(screen)}`);

	// A rejected promise nobody handles is an uncaught error too.
	assert.deepEqual(await request({ op: 'test-crash', kind: 'reject' }), { id: 1, ok: true });
	await until(() => !alive(second), 'the daemon to exit on an unhandled rejection');
	assert.match(daemonLog(), /exiting with status 70 .*: Error: test hook: an internal error \(rejected promise\)/);
	assert.equal(vmState(await box.ok(['ls', '--json']), 'c1'), 'running');
	await box.ok(['down', 'c1', '--force']);
});

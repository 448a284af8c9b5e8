// The real arm64 test guest under QEMU/TCG, driven the way a user drives it: up, wait,
// send, log, ls, daemon killed mid-output, down. One boot for the whole file.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, until } from '../helpers/cli.ts';
import { testGuest, guestUnavailableReason, type TestGuest } from '../helpers/guest.ts';

const box = new Sandbox('otq');
let guest: TestGuest | null = null;

before(async () => {
	guest = await testGuest();
});
after(() => box.cleanup());

function vm(ls: string, name: string): Record<string, unknown> | undefined {
	return (JSON.parse(ls) as { vms: Record<string, unknown>[] }).vms.find((v) => v.name === name);
}

test('boot the test guest, use its shell, survive a daemon SIGKILL mid-output, stop it', async (t) => {
	if (!guest) return t.skip(guestUnavailableReason());
	const g = guest;
	await box.ok(['up', 't1', '--kernel', g.kernel, '--initrd', g.initrd, '--append', g.append, '--net', 'mtu=9000', '--mem', '512']);
	const info = vm(await box.ok(['ls', '--json']), 't1');
	assert.equal(info?.state, 'running');
	assert.equal(info?.backend, 'qemu');

	// The prompt a script waits for (busybox follows "# " with a cursor query; `wait`
	// matches text with escape sequences removed, so `# $` still works).
	await box.ok(['wait', 't1', '--for', 'login:|# $', '--timeout', '180'], { timeoutMs: 200000 });
	assert.match(await box.ok(['log', 't1']), /OBSDTUI-GUEST: eth0 mtu 9000/);

	await box.ok(['send', 't1', 'echo answer-$((6*7))']);
	assert.match(await box.ok(['wait', 't1', '--for', 'answer-42', '--timeout', '60']), /answer-42/);
	assert.match(await box.ok(['log', 't1']), /\nanswer-42\r?\n/);

	// N numbered lines from the guest while the daemon is SIGKILLed.
	const N = 1500;
	await box.ok(['send', 't1', `lines ${N} 2000; echo LINES-DONE`]);
	await box.ok(['wait', 't1', '--for', 'line 000100', '--timeout', '60']);
	const pid = box.daemonPid()!;
	process.kill(pid, 'SIGKILL');
	const logPath = join(box.vmDir('t1'), 'boot.001.log');
	await until(() => /\nLINES-DONE/.test(readFileSync(logPath, 'latin1')), 'the guest to finish its lines without a daemon', 180000);
	const lines = readFileSync(logPath, 'latin1').split(/\r?\n/).filter((l) => /^line \d{6}$/.test(l));
	assert.equal(lines.length, N, 'every line exactly once');
	assert.deepEqual(lines.slice(0, 2), ['line 000001', 'line 000002']);
	assert.equal(lines[N - 1], `line ${String(N).padStart(6, '0')}`);
	// The next command's new daemon re-adopts the still-running VM and its shell answers.
	assert.equal(vm(await box.ok(['ls', '--json']), 't1')?.state, 'running');
	assert.notEqual(box.daemonPid(), pid);
	await box.ok(['send', 't1', 'echo again-$((7*7))']);
	await box.ok(['wait', 't1', '--for', 'again-49', '--timeout', '60']);

	// A serial BREAK reaches the guest's UART (QMP chardev-send-break): Linux takes BREAK
	// followed by a key as SysRq, and 'h' prints the SysRq help on the console.
	await box.ok(['send', 't1', '--break', '-n', 'h']);
	assert.match(await box.ok(['wait', 't1', '--for', 'sysrq: HELP', '--timeout', '30']), /sysrq: HELP/);
	assert.match(await box.ok(['log', 't1', '--audit']), /\] .* sent BREAK/);

	const down = await box.ok(['down', 't1', '--timeout', '3'], { timeoutMs: 60000 });
	assert.match(down, /t1: stopped/);
	assert.equal(vm(await box.ok(['ls', '--json']), 't1')?.state, 'exited');
});

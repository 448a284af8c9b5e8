// Log retention through the real daemon, helper and CLI over several boots: applied when
// a boot starts, never to a running boot; `ls`, `doctor` and `log --boot N` say what
// was removed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, until } from '../helpers/cli.ts';
import { parseAsciicast } from '../../src/term/asciicast.ts';

const box = new Sandbox('otret');
// This user's quota for all VMs: 2 MiB.
box.env.OBSDTUI_LOG_QUOTA = '2';
after(() => box.cleanup());

interface LsVm {
	name: string;
	state: string;
	logs: { boots: number; bytes: number; pruned: { boot: number; reason: string }[] };
}
const ls = async () => (JSON.parse(await box.ok(['ls', '--json'])) as { vms: LsVm[] }).vms;

test('--log-keep 3 over five boots keeps the last three; log --boot 1 says it was removed, and why', async () => {
	for (let i = 1; i <= 5; i++) {
		await box.ok(['up', 'r1', '--log-keep', '3', '--exec', `echo run-${i}; sleep 600`]);
		await box.ok(['wait', 'r1', '--for', `run-${i}`]);
		await box.ok(['down', 'r1', '--force']);
	}
	const dir = box.vmDir('r1');
	assert.deepEqual(['001', '002', '003', '004', '005'].map((n) => existsSync(join(dir, `boot.${n}.log`))), [false, false, true, true, true]);
	assert.equal(existsSync(join(dir, 'boot.001.idx')), false, 'the index goes with its log');
	const r = await box.run(['log', 'r1', '--boot', '1']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /^obsdtui: boot 1 was removed by log retention on \d{4}-\d\d-\d\dT[\d:.]+Z \(more boots than logKeep\); this VM has boots 3, 4, 5\n$/);
	assert.match(await box.ok(['log', 'r1', '--boot', '3']), /run-3/);
	// The asciicast of a kept boot (written in pieces, see term-asciicast.test.ts).
	const cast = parseAsciicast(await box.ok(['log', 'r1', '--boot', '3', '--format', 'asciicast']));
	assert.match(cast.events.map((e) => e.data).join(''), /run-3/);
	const r1 = (await ls()).find((v) => v.name === 'r1')!;
	assert.equal(r1.logs.boots, 3);
	assert.deepEqual(r1.logs.pruned.map((p) => [p.boot, p.reason]), [[1, 'keep'], [2, 'keep']]);
	assert.match(await box.ok(['ls']), /retention removed 2 boots \(.*\), last r1 boot 2: more boots than logKeep/);
	await box.ok(['rm', 'r1', '--yes']);
});

test("the user's quota removes other VMs' old boots when a boot starts, never the running boot", async () => {
	// q1 runs with a 3 MB log: over the 2 MiB quota on its own, and untouchable.
	await box.ok(['up', 'q1', '--exec', "head -c 3000000 /dev/zero | tr '\\0' q; echo; echo Q-DONE; sleep 600"]);
	await box.ok(['wait', 'q1', '--for', 'Q-DONE', '--timeout', '60']);
	const q1log = join(box.vmDir('q1'), 'boot.001.log');
	const q1size = statSync(q1log).size;
	// q2: three boots of 600 KB, each a command that ends by itself.
	for (let i = 1; i <= 3; i++) {
		await box.ok(['up', 'q2', '--exec', `head -c 600000 /dev/zero | tr '\\0' w; echo; echo W-${i}`]);
		await until(() => readFileSync(join(box.vmDir('q2'), `boot.00${i}.log`), 'latin1').includes(`W-${i}`), `q2 boot ${i} to finish`);
		await until(async () => (await ls()).find((v) => v.name === 'q2')?.state === 'exited', `q2 boot ${i} to be seen exited`);
	}
	// At the third start boots 1 and 2 were finished; only boot 1 could go (2 was q2's newest).
	const q2dir = box.vmDir('q2');
	assert.deepEqual([1, 2, 3].map((n) => existsSync(join(q2dir, `boot.00${n}.log`))), [false, true, true]);
	const vms = await ls();
	assert.deepEqual(vms.find((v) => v.name === 'q2')!.logs.pruned.map((p) => [p.boot, p.reason]), [[1, 'user-quota']]);
	// The running boot was not touched, and is still being logged.
	assert.equal(vms.find((v) => v.name === 'q1')!.state, 'running');
	assert.equal(statSync(q1log).size, q1size);
	await box.ok(['send', 'q1', 'x']);
	await until(() => statSync(q1log).size > q1size, 'the running boot to keep logging');
	// doctor reports the usage over the quota (retention cannot remove a running boot).
	const doctor = JSON.parse((await box.run(['doctor', '--json'])).stdout) as { checks: { name: string; status: string; detail: string }[] };
	const logs = doctor.checks.find((c) => c.name === 'logs')!;
	assert.equal(logs.status, 'warn');
	assert.match(logs.detail, /^logs: [\d.]+MiB of 2\.0MiB \(OBSDTUI_LOG_QUOTA\); retention removed 1 boot \(.*\), last q2 boot 1: over OBSDTUI_LOG_QUOTA for all VMs$/);
	const r = await box.run(['log', 'q2', '--boot', '1']);
	assert.match(r.stderr, /boot 1 was removed by log retention on .* \(over OBSDTUI_LOG_QUOTA for all VMs\)/);
	await box.ok(['down', 'q1', '--force']);
});

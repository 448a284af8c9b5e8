// ddb evidence end to end: the scripted ddb stand-in (test/fixtures/ddb-standin.mjs) runs
// as an exec-source VM through the real daemon and native helper; `obsdtui ddb --collect`
// types at its prompt and the report holds every section.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, ROOT } from '../helpers/cli.ts';

const box = new Sandbox('otddb');
after(() => box.cleanup());

const STANDIN = `'${process.execPath}' '${join(ROOT, 'test', 'fixtures', 'ddb-standin.mjs')}'`;

test('collect ddb evidence from a VM sitting at ddb, then report it', { timeout: 120_000 }, async () => {
	await box.ok(['up', 'dd', '--exec', STANDIN]);
	await box.ok(['wait', 'dd', '--for', 'ddb\\{1\\}> $', '--timeout', '30']);

	const vm = (JSON.parse(await box.ok(['ls', '--json'])) as { vms: Record<string, unknown>[] }).vms.find((v) => v.name === 'dd')!;
	assert.equal(vm.crash, 'uvm_fault: rtable_satoplen');
	assert.equal(vm.prompt, 'ddb');

	const refused = await box.run(['ddb', 'dd', '--collect']);
	assert.equal(refused.code, 1);
	assert.equal(refused.stderr, 'obsdtui: refusing to type into the console without asking: run on a terminal or pass --yes\n');

	const report = await box.ok(['ddb', 'dd', '--collect', '--yes', '--timeout', '20']);
	for (const s of ['>Synopsis:\tuvm_fault: rtable_satoplen\n', '>Category:\tkernel\n', '>Environment:\n', '>Description:\n', '>How-To-Repeat:\n\tVM dd, backend exec\n', '>Fix:\n', '\ndmesg:\n', '\nddb:\n', '\nconsole (lines ']) {
		assert.ok(report.includes(s), s);
	}
	for (const s of ['ddb{1}> show panic\nkernel page fault\n', 'ddb{1}> trace\nrtable_satoplen(21,ffff800003fd1f59) at rtable_satoplen+0x150\n', 'ddb{1}> show registers\nrdi ', 'ddb{1}> ps\n   PID ', 'ddb{1}> machine ddbcpu 0\n', 'ddb{0}> trace\n']) {
		assert.ok(report.includes(s), s);
	}

	// The evidence stays next to the log, so a later `report` has it too.
	const evidence = join(box.vmDir('dd'), 'boot.001.ddb.json');
	assert.ok(existsSync(evidence));
	assert.deepEqual(
		(JSON.parse(readFileSync(evidence, 'utf8')) as { cpus: number[] }).cpus,
		[0, 1],
	);
	const again = await box.ok(['report', 'dd']);
	assert.ok(again.includes('\nddb:\nddb{1}> set $lines = 0\n'));

	// After `boot reboot` the console no longer ends at a ddb prompt: nothing is typed.
	await box.ok(['send', 'dd', 'boot reboot']);
	await box.ok(['wait', 'dd', '--for', 'rebooting', '--timeout', '20']);
	const notAt = await box.run(['ddb', 'dd', '--collect', '--yes']);
	assert.equal(notAt.code, 1);
	assert.equal(notAt.stderr, 'obsdtui: VM dd is not at a ddb prompt; nothing typed\n');
	await box.run(['down', 'dd', '--force']);
});

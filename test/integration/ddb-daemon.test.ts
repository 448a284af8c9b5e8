// ddb evidence end to end: the scripted ddb stand-in (test/fixtures/ddb-standin.mjs) runs
// as an exec-source VM through the real daemon and native helper; `obsdtui ddb --collect`
// types at its prompt and the report holds every section.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
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

	// --bundle: the report, the whole log and the evidence next to it, as a tar.gz any tar reads.
	const out = join(box.dir, 'dd-report.txt');
	await box.ok(['report', 'dd', '-o', out, '--bundle']);
	assert.equal(readFileSync(out, 'utf8'), again);
	const list = spawnSync('tar', ['-tzf', join(box.dir, 'dd-report.tar.gz')], { encoding: 'utf8' });
	assert.equal(list.status, 0, list.stderr);
	assert.deepEqual(list.stdout.trim().split('\n').sort(), ['dd-report/boot.001.ddb.json', 'dd-report/boot.001.idx', 'dd-report/boot.001.log', 'dd-report/report.txt', 'dd-report/spec.json']);
	const log = spawnSync('tar', ['-xzOf', join(box.dir, 'dd-report.tar.gz'), 'dd-report/boot.001.log']);
	assert.ok(log.stdout.equals(readFileSync(join(box.vmDir('dd'), 'boot.001.log'))), 'the log, byte for byte');

	// After `boot reboot` the console no longer ends at a ddb prompt: nothing is typed.
	await box.ok(['send', 'dd', 'boot reboot']);
	await box.ok(['wait', 'dd', '--for', 'rebooting', '--timeout', '20']);
	const notAt = await box.run(['ddb', 'dd', '--collect', '--yes']);
	assert.equal(notAt.code, 1);
	assert.equal(notAt.stderr, 'obsdtui: VM dd is not at a ddb prompt; nothing typed\n');
	await box.run(['down', 'dd', '--force']);
});

test('a real boot log streamed line by line through an exec source: live stage and prompt, dmesg and scan from the VM log', { timeout: 120_000 }, async () => {
	const fixture = join(ROOT, 'test', 'fixtures', 'openbsd', 'arm64-qemu-virt-7.4-installer-boot.txt');
	// Line by line with a pause, the last line (the installer question) without its newline, then silence.
	const paced = `f='${fixture}'; n=$(wc -l < "$f"); i=0; while IFS= read -r l; do i=$((i+1)); if [ $i -lt $n ]; then printf '%s\\n' "$l"; else printf '%s' "$l"; fi; sleep 0.02; done < "$f"; sleep 600`;
	await box.ok(['up', 'boot1', '--exec', paced]);
	await box.ok(['wait', 'boot1', '--for', '\\(S\\)hell\\? $', '--timeout', '60']);
	let vm: Record<string, unknown> | undefined;
	for (let i = 0; i < 100; i++) {
		vm = (JSON.parse(await box.ok(['ls', '--json'])) as { vms: Record<string, unknown>[] }).vms.find((v) => v.name === 'boot1');
		if (vm?.prompt === 'installer') break;
		await new Promise((r) => setTimeout(r, 200));
	}
	assert.equal(vm?.stage, 'installer');
	assert.equal(vm?.prompt, 'installer');
	assert.deepEqual(vm?.alerts, []);

	const lines = readFileSync(fixture, 'utf8').split('\n');
	assert.equal(await box.ok(['dmesg', 'boot1']), lines.slice(8, 53).join('\n') + '\n');
	const scan = JSON.parse(await box.ok(['scan', '--json', join(box.vmDir('boot1'), 'boot.001.log')])) as { boots: { stages: { name: string; line: number }[] }[] };
	assert.deepEqual(
		scan.boots[0].stages.map((s) => `${s.name}:${s.line}`),
		['firmware:2', 'bootloader:4', 'kernel:8', 'banner:9', 'autoconf:18', 'root:52', 'userland:54', 'installer:56'],
	);
	await box.run(['down', 'boot1', '--force']);
});

// Log retention over real files in a temporary state dir (no daemon): which finished
// boots go, in which order, and what is recorded about them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { applyRetention, logUsage, prunedBoots } from '../../src/helper/retention.ts';
import { listBoots } from '../../src/helper/logfiles.ts';

const KiB = 1024;

function stateWith(vms: Record<string, number[]>, t: { after: (fn: () => void) => void }): string {
	const root = mkdtempSync(join(tmpdir(), 'otret-'));
	t.after(() => rmSync(root, { recursive: true, force: true }));
	const vmsDir = join(root, 'vms');
	for (const [vm, sizes] of Object.entries(vms)) {
		mkdirSync(join(vmsDir, vm), { recursive: true });
		sizes.forEach((size, i) => {
			const stem = join(vmsDir, vm, `boot.${String(i + 1).padStart(3, '0')}`);
			writeFileSync(`${stem}.log`, Buffer.alloc(size, 0x61));
			writeFileSync(`${stem}.idx`, 't 0 0\n');
		});
	}
	return vmsDir;
}

const never = () => false;

test('logKeep counts the boot being started; the oldest go first, with their index', (t) => {
	const vmsDir = stateWith({ a: [1, 1, 1, 1] }, t);
	const removed = applyRetention({ vmsDir, vm: 'a', boot: 5, keep: 3, vmQuotaBytes: 1e12, userQuotaBytes: 1e12, running: never, now: 1000 });
	assert.deepEqual(removed.map((p) => [p.boot, p.reason]), [[1, 'keep'], [2, 'keep']]);
	assert.deepEqual(listBoots(join(vmsDir, 'a')), [3, 4]);
	assert.equal(existsSync(join(vmsDir, 'a', 'boot.001.idx')), false);
	assert.deepEqual(prunedBoots(join(vmsDir, 'a')).map((p) => [p.boot, p.ms, p.reason]), [[1, 1000, 'keep'], [2, 1000, 'keep']]);
});

test("logQuota: finished boots past the VM's quota go, oldest first; the newest stays even alone over it", (t) => {
	const vmsDir = stateWith({ a: [400 * KiB, 400 * KiB, 400 * KiB, 400 * KiB] }, t);
	// 1600 KiB over a 1000 KiB quota: boots 1 and 2 go (800 KiB left).
	let removed = applyRetention({ vmsDir, vm: 'a', boot: 5, keep: 100, vmQuotaBytes: 1000 * KiB, userQuotaBytes: 1e12, running: never });
	assert.deepEqual(removed.map((p) => [p.boot, p.reason]), [[1, 'vm-quota'], [2, 'vm-quota']]);
	assert.ok(removed.every((p) => p.bytes >= 400 * KiB), 'the bytes each boot freed are recorded');
	assert.deepEqual(listBoots(join(vmsDir, 'a')), [3, 4]);
	// A quota smaller than one boot: everything but the newest goes.
	removed = applyRetention({ vmsDir, vm: 'a', boot: 5, keep: 100, vmQuotaBytes: 1, userQuotaBytes: 1e12, running: never });
	assert.deepEqual(listBoots(join(vmsDir, 'a')), [4]);
	assert.equal(logUsage(join(vmsDir, 'a')).pruned.length, 3);
});

test("the user's quota takes the oldest finished boots of any VM, never a running boot nor a VM's newest", (t) => {
	// b's boot 2 is running (its helper writes it); c has one boot only.
	const vmsDir = stateWith({ a: [300 * KiB, 300 * KiB], b: [300 * KiB, 2000 * KiB], c: [300 * KiB] }, t);
	const running = (vm: string, boot: number) => vm === 'b' && boot === 2;
	const removed = applyRetention({ vmsDir, vm: 'a', boot: 3, keep: 100, vmQuotaBytes: 1e12, userQuotaBytes: 1000 * KiB, running });
	// Over quota whatever goes: every candidate goes (a 1, b 1); b 2 (running), a 2 and c 1 (newest) stay.
	assert.deepEqual(removed.map((p) => [p.vm, p.boot, p.reason]).sort(), [['a', 1, 'user-quota'], ['b', 1, 'user-quota']]);
	assert.deepEqual(listBoots(join(vmsDir, 'b')), [2]);
	assert.deepEqual(listBoots(join(vmsDir, 'a')), [2]);
	assert.deepEqual(listBoots(join(vmsDir, 'c')), [1]);
});

test('within quota nothing is removed and nothing recorded', (t) => {
	const vmsDir = stateWith({ a: [10, 10] }, t);
	assert.deepEqual(applyRetention({ vmsDir, vm: 'a', boot: 3, keep: 20, vmQuotaBytes: 1e9, userQuotaBytes: 1e9, running: never }), []);
	assert.equal(existsSync(join(vmsDir, 'a', 'retention.log')), false);
});

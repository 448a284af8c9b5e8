// The 2026 vio(4)/viogpu(4) attach lines. No public log has them yet, so these are
// constructed from the format strings in if_vio.c r1.78 and viogpu.c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanBytes, GuestParser, type Device } from '../../src/guest/index.ts';

function devices(text: string): Device[] {
	const s = scanBytes(Buffer.from(text));
	return s.boots.flatMap((b) => b.devices);
}

const HEAD = 'OpenBSD 7.9-current (GENERIC.MP) #12: Mon Feb  2 10:00:00 MST 2026\nmainbus0 at root: linux,dummy-virt\nvirtio0 at mainbus0: Virtio Network Device\n';

test('vio with a device MTU', () => {
	const d = devices(HEAD + 'vio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu 9000\nvirtio0: msix per-VQ\n');
	const vio = d.find((x) => x.name === 'vio0')!;
	assert.equal(vio.parent, 'virtio0');
	assert.equal(vio.queues, 1);
	assert.equal(vio.address, '52:54:00:12:34:56');
	assert.equal(vio.mtu, 9000);
	assert.equal(vio.mtuNotSupported, undefined);
	assert.equal(vio.negotiationFailed, undefined);
	assert.deepEqual(d.find((x) => x.name === 'virtio0')!.messages, ['msix per-VQ']);
});

test('vio whose device MTU is too big: the message lands mid-line and the details continue on the next line', () => {
	const d = devices(HEAD + 'vio0 at virtio0vio0: mtu 65535 not supported\n: 1 queue, address 52:54:00:12:34:56\nvirtio0: msix per-VQ\n');
	const vio = d.find((x) => x.name === 'vio0')!;
	assert.equal(vio.line, 4);
	assert.equal(vio.mtuNotSupported, 65535);
	assert.equal(vio.mtu, undefined);
	assert.equal(vio.address, '52:54:00:12:34:56');
	assert.equal(vio.queues, 1);
	assert.equal(vio.details, '1 queue, address 52:54:00:12:34:56');
	assert.equal(d.length, 3);
});

test('vio with several queues and no MTU (pre-2026 kernel)', () => {
	const d = devices(HEAD + 'vio0 at virtio0: 4 queues, address c2:8a:93:59:9a:0a\n');
	const vio = d.find((x) => x.name === 'vio0')!;
	assert.equal(vio.queues, 4);
	assert.equal(vio.mtu, undefined);
});

test('feature negotiation failure printed by the transport on its own line', () => {
	const d = devices(HEAD + 'vio0 at virtio0\nvirtio0: Feature negotiation failed\n');
	assert.equal(d.find((x) => x.name === 'vio0')!.negotiationFailed, true);
});

test('viogpu mode and a flood of TRANSFER_TO_HOST failures, aggregated', () => {
	const flood = 'viogpu0: failed TRANSFER_TO_HOST: 5\n'.repeat(5000) + 'viogpu0: failed RESOURCE_FLUSH: 5\n';
	const d = devices(HEAD + 'virtio1 at mainbus0: Virtio GPU Device\nviogpu0 at virtio1: 1280x800, 32bpp\nwsdisplay0 at viogpu0 mux 1: console (160x50, vt100 emulation)\n' + flood);
	const gpu = d.find((x) => x.name === 'viogpu0')!;
	assert.equal(gpu.width, 1280);
	assert.equal(gpu.height, 800);
	assert.equal(gpu.depth, 32);
	assert.deepEqual(gpu.failures, [
		{ message: 'failed TRANSFER_TO_HOST: 5', count: 5000 },
		{ message: 'failed RESOURCE_FLUSH: 5', count: 1 },
	]);
	assert.deepEqual(gpu.messages, []);
	assert.equal(d.find((x) => x.name === 'wsdisplay0')!.parent, 'viogpu0');
});

test('device events arrive as devices attach', () => {
	const p = new GuestParser();
	const ev = p.push(Buffer.from(HEAD + 'vio0 at virtio0: 1 queue, address 52:54:00:12:34:56, mtu 1500\n'), 5);
	const names = ev.flatMap((e) => (e.type === 'device' ? [e.device.name] : []));
	assert.deepEqual(names, ['mainbus0', 'virtio0', 'vio0']);
	const stageNames = ev.flatMap((e) => (e.type === 'stage' ? [e.stage.name] : []));
	assert.deepEqual(stageNames, ['banner', 'autoconf']);
});

test('viogpu fence mismatches, printed with __func__ instead of the unit, count on the viogpu device', () => {
	// viogpu.c: printf("%s: return fence id not right (0x%llx != 0x%x)\n", __func__, ...)
	const fences = ['viogpu_send_cmd: return fence id not right (0x1f != 0x20)\n', 'viogpu_send_cmd: return fence id not right (0x20 != 0x22)\n'];
	const text =
		HEAD +
		'virtio1 at mainbus0: Virtio GPU Device\nviogpu0 at virtio1: 1024x768, 32bpp\n' +
		'viogpu0: failed RESOURCE_FLUSH: 5\n' +
		fences[0] +
		'root on sd0a (1234.a) swap on sd0b dump on sd0b\nvm1# ls\n' +
		fences[1];
	for (const [how, d] of [
		['scan', devices(text)],
		[
			'live',
			(() => {
				const p = new GuestParser();
				p.push(Buffer.from(text), 0);
				return p.devices();
			})(),
		],
	] as const) {
		const gpu = d.find((x) => x.name === 'viogpu0')!;
		assert.deepEqual(
			gpu.failures,
			[
				{ message: 'failed RESOURCE_FLUSH: 5', count: 1 },
				{ message: 'viogpu_send_cmd: return fence id not right', count: 2, last: 'viogpu_send_cmd: return fence id not right (0x20 != 0x22)', line: 10 },
			],
			how,
		);
		assert.deepEqual(gpu.messages, [], how);
	}
	// Without a viogpu attach line there is nothing to count it on, and nothing else claims it.
	const none = devices(HEAD + fences[0]);
	assert.ok(none.every((x) => x.failures === undefined));
});

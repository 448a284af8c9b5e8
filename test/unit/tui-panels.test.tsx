// The MTU and framebuffer panels from reports: live (all witnesses), replay (guest lines
// only) and nothing at all; each missing witness is named, never left blank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { MtuPanel } from '../../src/tui/MtuPanel.tsx';
import { FramebufferPanel } from '../../src/tui/FramebufferPanel.tsx';
import { Thumbnail, thumbRuns, cellColor } from '../../src/tui/Thumbnail.tsx';
import { netReport, type WireStats } from '../../src/devices/net.ts';
import { replayNetReport, replayScreenReport } from '../../src/devices/replay.ts';
import { scanBytes } from '../../src/guest/index.ts';
import type { ScreenReport } from '../../src/devices/screen.ts';

const wire: WireStats = {
	framesIn: 5, bytesIn: 16000, framesOut: 4, bytesOut: 16000, outErrors: 0, runts: 0, fragments: 0,
	largestIn: 8042, largestOut: 8042, arpReplies: 1, echoReplies: 3, guestMac: '52:54:00:12:34:56',
	guestIp: '10.0.2.15', hostIp: '10.0.2.2', pcap: null, histogram: [[64, 1], [8192, 4]],
	probe: { state: 'done', max: 16000, mtu: 9000, tries: 6, error: null },
};

test('MTU panel, live: verdict and the three witnesses', () => {
	const r = netReport(
		{ device: 'net0', hostMtu: 9000, offered: true, accepted: true, negotiated: true, statuses: ['ACKNOWLEDGE', 'DRIVER', 'FEATURES_OK', 'DRIVER_OK'], negotiations: 1, resets: 0, changes: [] },
		{ name: 'vio0', mtu: 9000, address: '52:54:00:12:34:56' },
		wire,
	);
	const { lastFrame } = render(<MtuPanel report={r} width={30} />);
	const lines = lastFrame()!.split('\n');
	assert.equal(lines[0], 'F_MTU accepted: MTU 9000');
	assert.equal(lines[1], 'host 9000, F_MTU acked');
	assert.equal(lines[2], 'guest vio0 mtu 9000');
	assert.equal(lines[3], 'wire max 8042 B, 5 frames, pr…');
});

test('MTU panel, replay of the Apple VZ log: the guest line decides, host and wire not available', () => {
	const text = 'vio0 at virtio0virtio0: Feature negotiation failed\n';
	const { lastFrame } = render(<MtuPanel report={replayNetReport(scanBytes(Buffer.from(text)))} width={30} />);
	const f = lastFrame()!;
	assert.match(f, /^negotiation failed/);
	assert.match(f, /host not available with this …/);
	assert.match(f, /guest vio0 negotiation failed/);
	assert.match(f, /wire not available with this …/);
});

test('panels with no report at all say so', () => {
	assert.equal(render(<MtuPanel report={null} width={40} />).lastFrame(), 'MTU evidence not available with this backend');
	assert.equal(render(<FramebufferPanel report={null} width={40} />).lastFrame(), 'framebuffer not available with this backend');
});

test('framebuffer panel, live with a thumbnail', () => {
	const white: [number, number, number] = [255, 255, 255];
	const blue: [number, number, number] = [0, 0, 255];
	const report: ScreenReport = {
		host: { device: true, samples: 4, width: 1280, height: 800, nonBlack: 0.25, hash: 'h', lastChange: 0, sinceChangeMs: 3000, driverOk: true, queueMoved: true },
		guest: { name: 'viogpu0', width: 1280, height: 800, failures: [{ message: 'failed RESOURCE_FLUSH: 4608', count: 12 }], failureRate: 6 },
		verdict: { code: 'updating', text: 'updating (1280x800)' },
		thumbnail: [[{ top: white, bottom: blue }, { top: white, bottom: blue }, { top: blue, bottom: blue }]],
	};
	const lines = render(<FramebufferPanel report={report} width={36} />).lastFrame()!.split('\n');
	assert.deepEqual(lines, [
		'updating (1280x800)',
		'1280x800 25% lit, chg 3 s ago',
		'guest viogpu0 1280x800, 12 failed (…',
		'▀▀▀',
	]);
});

test('framebuffer panel, replay: the guest mode line only', () => {
	const s = scanBytes(Buffer.from('viogpu0 at virtio1: 1024x768, 32bpp\n'));
	const f = render(<FramebufferPanel report={replayScreenReport(s)} width={60} />).lastFrame()!;
	assert.equal(f, 'guest set 1024x768; pixels not available with this backend\nhost not available with this backend\nguest viogpu0 1024x768');
});

test('thumbnail colours: truecolor hex, 256-colour cube and grey ramp, runs merged', () => {
	assert.equal(cellColor([255, 0, 0], 'truecolor'), '#ff0000');
	assert.equal(cellColor([255, 0, 0], '256'), 'ansi256(196)');
	assert.equal(cellColor([0, 0, 0], '256'), 'ansi256(16)');
	assert.equal(cellColor([128, 128, 128], '256'), 'ansi256(244)');
	const w: [number, number, number] = [255, 255, 255];
	const k: [number, number, number] = [0, 0, 0];
	assert.deepEqual(thumbRuns([{ top: w, bottom: k }, { top: w, bottom: k }, { top: k, bottom: k }], 'truecolor'), [
		{ fg: '#ffffff', bg: '#000000', count: 2 },
		{ fg: '#000000', bg: '#000000', count: 1 },
	]);
	assert.equal(render(<Thumbnail cells={[[{ top: w, bottom: k }], [{ top: k, bottom: w }]]} depth="256" />).lastFrame(), '▀\n▀');
});

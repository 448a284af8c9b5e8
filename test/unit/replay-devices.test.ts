// Recorded device evidence in a replay: the demo's Linux test guest carries the MTU and
// framebuffer reports saved from a real run (share/demo/linux-test-guest.devices.json, made
// by share/demo/capture-devices.mjs). Expected values are read from that file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRecordedDevices } from '../../src/devices/replay.ts';
import { loadRecording } from '../../src/term/recording.ts';
import { ReplayFeed } from '../../src/tui/replay-feed.ts';
import { ROOT } from '../helpers/cli.ts';

const DEMO = join(ROOT, 'share', 'demo');
const text = readFileSync(join(DEMO, 'linux-test-guest.devices.json'), 'utf8');
const recording = () => loadRecording(readFileSync(join(DEMO, 'linux-test-guest.cast')));

test('the shipped evidence parses: MTU 9000 accepted with a probe and a histogram, a 1024x768 display with a thumbnail', () => {
	const d = parseRecordedDevices(text);
	assert.equal(d.source, 'recorded from the Linux test guest');
	assert.equal(d.net?.verdict.code, 'accepted');
	assert.equal(d.net?.host?.hostMtu, 9000);
	assert.equal(d.net?.host?.offered, true);
	assert.equal(d.net?.host?.accepted, true);
	assert.equal(d.net?.wire?.probe.mtu, 9000);
	// The 8000-byte pings: 8042-byte frames fall in the bucket up to 9014.
	assert.ok((d.net?.wire?.histogram.find(([max]) => max === 9014)?.[1] ?? 0) > 0);
	assert.equal(d.screen?.verdict.code, 'updating');
	assert.equal(d.screen?.host?.width, 1024);
	assert.equal(d.screen?.host?.height, 768);
	assert.ok((d.screen?.thumbnail?.length ?? 0) > 0);
});

test('malformed evidence is refused with a reason; a bad thumbnail is dropped, the rest kept', () => {
	assert.throws(() => parseRecordedDevices('{'), /not JSON/);
	assert.throws(() => parseRecordedDevices('[]'), /not a JSON object/);
	assert.throws(() => parseRecordedDevices('{"source":"x","at":-1}'), /'at'/);
	assert.throws(() => parseRecordedDevices('{"source":"x","at":1,"net":{"verdict":"ok"}}'), /'net' is not a net report/);
	const j = JSON.parse(text);
	j.screen.thumbnail = [[{ top: [0, 0, 256], bottom: [0, 0, 0] }]];
	const d = parseRecordedDevices(JSON.stringify(j));
	assert.equal(d.screen?.thumbnail, undefined);
	assert.equal(d.screen?.verdict.code, 'updating');
	j.screen.thumbnail = Array.from({ length: 100 }, () => []);
	assert.equal(parseRecordedDevices(JSON.stringify(j)).screen?.thumbnail, undefined);
});

test('the replay shows the recorded panels once playback has reached the moment they were taken', () => {
	const devices = parseRecordedDevices(text);
	// At (almost) no speed nothing past the first instant has played: the console-only reports.
	const early = new ReplayFeed([{ name: 'g', recording: recording(), log: 'g.cast', speed: 1e-6, devices }]);
	const before = early.details('g');
	early.close();
	assert.equal(before?.net?.host, null);
	assert.equal(before?.screen?.verdict.code, 'unknown');
	assert.equal(before?.recorded, `recorded from the Linux test guest, shown from ${Math.ceil(devices.at)} s`);
	// Played to the end at once: the recorded reports.
	const done = new ReplayFeed([{ name: 'g', recording: recording(), log: 'g.cast', speed: Infinity, devices }]);
	const after = done.details('g');
	done.close();
	assert.equal(after?.recorded, 'recorded from the Linux test guest');
	assert.equal(after?.net?.verdict.text, 'F_MTU accepted: MTU 9000');
	assert.equal(after?.screen?.verdict.text, 'updating (1024x768)');
	// A recording without evidence says nothing about where evidence came from.
	const plain = new ReplayFeed([{ name: 'p', recording: recording(), log: 'p.cast', speed: Infinity }]);
	assert.equal(plain.details('p')?.recorded, undefined);
	plain.close();
});

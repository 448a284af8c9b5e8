// The boot timeline, alerts line and report preview, drawn from props at side-column width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { TimelinePanel, stageTimes, formatDuration } from '../../src/tui/TimelinePanel.tsx';
import { AlertsLine } from '../../src/tui/AlertsLine.tsx';
import { ReportPreview, clampOffset } from '../../src/tui/ReportPreview.tsx';
import type { Stage, StageName } from '../../src/guest/index.ts';

const st = (pairs: [StageName, number][]): Stage[] => pairs.map(([name, atMs], i) => ({ name, atMs, line: i + 1 }));

test('time in each stage, the last one running until now', () => {
	const rows = stageTimes(
		st([
			['bootloader', 0],
			['kernel', 2000],
			['autoconf', 2500],
		]),
		10_000,
	);
	assert.deepEqual(
		rows.map((r) => [r.name, r.ms, r.current, r.deltaMs]),
		[
			['bootloader', 2000, false, null],
			['kernel', 500, false, null],
			['autoconf', 7500, true, null],
		],
	);
	assert.deepEqual([formatDuration(1234), formatDuration(42_000), formatDuration(185_000), formatDuration(3_720_000)], ['1.2s', '42s', '3m05s', '1h02m']);
});

test('timeline panel compared with the previous boot, at 30 columns', () => {
	const previous = st([
		['bootloader', 0],
		['kernel', 1000],
		['banner', 1500],
		['autoconf', 1600],
		['root', 4600],
		['login', 9000],
	]);
	const now = st([
		['bootloader', 0],
		['kernel', 1000],
		['banner', 3500],
		['autoconf', 3600],
		['root', 6600],
	]);
	const { lastFrame } = render(<TimelinePanel stages={now} previous={previous} nowMs={20_000} width={30} />);
	assert.deepEqual(lastFrame()!.split('\n'), [
		' bootloader   1.0s       =',
		' kernel       2.5s   +2.0s',
		' banner       0.1s       =',
		' autoconf     3.0s       =',
		'>root          13s',
	]);
});

test('timeline panel: nothing yet, and only the last rows when there are many', () => {
	assert.equal(render(<TimelinePanel stages={[]} nowMs={0} width={30} />).lastFrame(), 'no boot stage yet');
	const many = st([
		['installer', 0],
		['shell', 1000],
		['installer', 2000],
		['shell', 3000],
	]);
	const lines = render(<TimelinePanel stages={many} nowMs={3500} width={30} maxRows={2} />).lastFrame()!.split('\n');
	assert.deepEqual(lines, ['… 2 earlier', ' installer    1.0s', '>shell        0.5s']);
});

test('alerts line: crash first, then hangs, else calm', () => {
	assert.equal(render(<AlertsLine crashTitle="uvm_fault: rtable_satoplen" alerts={['uvm_fault: rtable_satoplen']} width={30} />).lastFrame(), '! uvm_fault: rtable_satoplen');
	assert.equal(render(<AlertsLine crashTitle="panic: boom" alerts={['panic: boom', 'no output for 60s in ddb']} width={30} />).lastFrame(), '! panic: boom (+1)');
	assert.equal(render(<AlertsLine alerts={['no output for 60s in autoconf']} width={30} />).lastFrame(), '! no output for 60s in autoco…');
	assert.equal(render(<AlertsLine alerts={[]} width={30} />).lastFrame(), 'no alerts');
});

test('report preview scrolls within the text', () => {
	const text = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
	assert.equal(render(<ReportPreview text={text} offset={0} height={4} width={30} />).lastFrame(), 'line 1\nline 2\nline 3\nlines 1-3 of 10');
	assert.equal(render(<ReportPreview text={text} offset={99} height={4} width={30} />).lastFrame(), 'line 8\nline 9\nline 10\nlines 8-10 of 10');
	assert.equal(render(<ReportPreview text={'>Synopsis:\tx'} offset={0} height={3} width={30} />).lastFrame(), '>Synopsis:  x\nlines 1-1 of 1');
	assert.equal(clampOffset(-5, 10, 3), 0);
});

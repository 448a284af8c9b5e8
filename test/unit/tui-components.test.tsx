import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { Root, type View } from '../../src/tui/Root.tsx';
import { StatusLine } from '../../src/tui/StatusLine.tsx';
import { VmList } from '../../src/tui/VmList.tsx';
import { computeLayout } from '../../src/tui/layout.ts';
import type { VmSummary } from '../../src/tui/feed.ts';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const vm = (over: Partial<VmSummary> = {}): VmSummary => ({
	name: 'obsd74',
	backend: 'qemu',
	state: 'running',
	stage: 'login',
	alerts: [],
	viewers: 2,
	log: '/home/u/.local/state/obsdtui/vms/obsd74/boot.001.log',
	cols: 80,
	rows: 24,
	...over,
});

test('VM list: header, one row per VM, selection marker, last alert', () => {
	const vms = [vm(), vm({ name: 'crashy', state: 'running', stage: 'ddb', alerts: ['panic: kernel diagnostic assertion'], viewers: 0 })];
	const { lastFrame } = render(<VmList vms={vms} selected={1} width={100} height={8} prefix="C-]" />);
	const lines = strip(lastFrame()!).split('\n');
	assert.match(lines[0], /^NAME\s+BACKEND\s+STATE\s+STAGE\s+VIEWERS\s+ALERTS/);
	assert.match(lines[1], /^ {2}obsd74\s+qemu\s+running\s+login\s+2\s+-$/);
	assert.match(lines[2], /^> crashy\s+qemu\s+running\s+ddb\s+0\s+1: panic: kernel diagnostic assertion$/);
	assert.match(lines.at(-1)!, /Enter attach/);
	assert.equal(lines.length, 8);
});

test('VM list: an empty daemon says how to start', () => {
	const { lastFrame } = render(<VmList vms={[]} selected={0} width={80} height={5} prefix="C-]" />);
	assert.match(strip(lastFrame()!), /No VMs\. Start one with `obsdtui up/);
});

test('status line: VM, state/stage, backend, access, viewers, log, help; fits its width', () => {
	const { lastFrame } = render(<StatusLine vm={vm()} mode="rw" writer width={120} prefix="C-]" />);
	const line = strip(lastFrame()!);
	// Ink drops trailing blanks from the frame it reports.
	assert.equal(line, ' obsd74 │ running/login │ qemu │ rw │ 2 viewers │ /home/u/.local/state/obsdtui/vms/obsd74/boot.001.log'.padEnd(108) + ' C-] ? help');
});

test('status line at 80 columns: shorter hint, log file name only, never wraps', () => {
	const { lastFrame } = render(<StatusLine vm={vm()} mode="spy" writer={false} width={80} prefix="C-]" />);
	const line = strip(lastFrame()!);
	assert.equal(line.split('\n').length, 1);
	assert.equal(line, ' obsd74 │ running/login │ qemu │ spy │ 2 viewers │ boot.001.log'.padEnd(64) + 'q quit · ? help');
});

test('status line shows a rw viewer that lost the keyboard, and a prompt replaces it', () => {
	const watching = strip(render(<StatusLine vm={vm({ viewers: 1 })} mode="rw" writer={false} width={120} prefix="C-]" />).lastFrame()!);
	assert.match(watching, /rw \(watching: another viewer types\) │ 1 viewer │/);
	const prompt = strip(render(<StatusLine vm={vm()} mode="rw" writer width={40} prefix="C-]" prompt=" Send BREAK?" />).lastFrame()!);
	assert.equal(prompt, ' Send BREAK?');
});

function consoleView(width: number, height: number, panels = true): View {
	const layout = computeLayout(width, height, 80, 24, panels);
	const lines = Array.from({ length: layout.paneHeight }, (_, i) => `guest row ${i}`);
	return { width, height, prefix: 'C-]', depth: '256', console: { vm: vm({ alerts: ['panic: uvm_fault'] }), mode: 'rw', writer: true, layout, lines, help: false } };
}

test('layout at 80x24: the pane takes the whole width, 23 rows, no side column', () => {
	const layout = computeLayout(80, 24, 80, 24, true);
	assert.deepEqual(layout, { paneWidth: 80, paneHeight: 23, sideWidth: 0 });
	const frame = strip(render(<Root view={consoleView(80, 24)} />).lastFrame()!);
	const rows = frame.split('\n');
	assert.equal(rows.length, 24);
	assert.equal(rows[0], 'guest row 0');
	assert.equal(rows[22], 'guest row 22');
	assert.match(rows[23], /^ obsd74 │/);
	assert.equal(frame.includes('Boot timeline'), false);
});

test('layout at 120x30: side column with alerts and panel placeholders, letterboxed guest', () => {
	const layout = computeLayout(120, 30, 80, 24, true);
	assert.deepEqual(layout, { paneWidth: 80, paneHeight: 24, sideWidth: 39 });
	const rows = strip(render(<Root view={consoleView(120, 30)} />).lastFrame()!).split('\n');
	assert.equal(rows.length, 30);
	assert.match(rows[0], /^guest row 0 {69} Alerts/);
	assert.match(rows[1], /^guest row 1 {69} panic: uvm_fault/);
	assert.ok(rows.some((r) => /Boot timeline/.test(r)));
	assert.ok(rows.some((r) => /Network MTU/.test(r)));
	assert.ok(rows.some((r) => /Framebuffer/.test(r)));
	assert.match(rows[24], /^╌{80}/, 'the guest bottom edge is marked');
	assert.ok(rows.every((r) => r.length <= 120));
});

test('layout when panels are hidden or the window is narrower than the guest', () => {
	assert.deepEqual(computeLayout(160, 50, 80, 24, false), { paneWidth: 80, paneHeight: 24, sideWidth: 0 });
	assert.deepEqual(computeLayout(60, 15, 80, 24, true), { paneWidth: 60, paneHeight: 14, sideWidth: 0 });
	const rows = strip(render(<Root view={consoleView(60, 15)} />).lastFrame()!).split('\n');
	assert.equal(rows.length, 15);
	assert.ok(rows.every((r) => r.length <= 60), 'nothing wraps past the window');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import type { View } from '../../src/tui/Root.tsx';
import { Painter, type Segment } from '../../src/tui/paint.tsx';
import { StatusLine } from '../../src/tui/StatusLine.tsx';
import { VmList } from '../../src/tui/VmList.tsx';
import { computeLayout } from '../../src/tui/layout.ts';
import xterm from '@xterm/headless';
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
	const vms = [vm(), vm({ name: 'crashy', state: 'running', stage: 'ddb', alerts: ['panic: kernel diagnostic assertion'], viewers: 0, logs: { bytes: 3 * 1024 * 1024, boots: 3, pruned: 2 } })];
	const { lastFrame } = render(<VmList vms={vms} selected={1} width={110} height={8} prefix="C-]" />);
	const lines = strip(lastFrame()!).split('\n');
	assert.match(lines[0], /^NAME\s+BACKEND\s+STATE\s+LOGS\s+STAGE\s+VIEWERS\s+ALERTS/);
	assert.match(lines[1], /^ {2}obsd74\s+qemu\s+running\s+-\s+login\s+2\s+-$/);
	// LOGS: the kept boots' size / how many, and how many retention removed.
	assert.match(lines[2], /^> crashy\s+qemu\s+running\s+3(\.0)?MiB\/3 -2\s+ddb\s+0\s+1: panic: kernel diagnostic assertion$/);
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
	assert.equal(line, ' obsd74 │ running/login │ qemu │ spy │ 2 viewers │ boot.001.log'.padEnd(74) + 'C-] ?');
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

/** The composed frame as plain text rows, as the terminal would show it. */
function screenOf(view: View): string[] {
	const { segments } = new Painter(() => {}).frame(view);
	const grid = Array.from({ length: view.height }, () => ' '.repeat(view.width));
	for (const s of segments as Segment[]) {
		const text = strip(s.text);
		assert.ok([...text].length <= s.width, `segment at ${s.x},${s.y} fits its width`);
		const row = [...grid[s.y]];
		row.splice(s.x, [...text].length, ...text);
		grid[s.y] = row.join('').slice(0, view.width);
	}
	return grid.map((r) => r.trimEnd());
}

test('layout at 80x24: the pane takes the whole width, 23 rows, no side column', () => {
	const layout = computeLayout(80, 24, 80, 24, true);
	assert.deepEqual(layout, { paneWidth: 80, paneHeight: 23, sideWidth: 0 });
	const rows = screenOf(consoleView(80, 24));
	assert.equal(rows.length, 24);
	assert.equal(rows[0], 'guest row 0');
	assert.equal(rows[22], 'guest row 22');
	assert.match(rows[23], /^ obsd74 │/);
	assert.equal(rows.join('\n').includes('Boot timeline'), false);
});

test('layout at 120x30: side column with alerts and panel placeholders, letterboxed guest', () => {
	const layout = computeLayout(120, 30, 80, 24, true);
	assert.deepEqual(layout, { paneWidth: 80, paneHeight: 24, sideWidth: 39 });
	const rows = screenOf(consoleView(120, 30));
	assert.equal(rows.length, 30);
	assert.match(rows[0], /^guest row 0 {70}Alerts/);
	assert.match(rows[1], /^guest row 1 {70}! panic: uvm_fault/);
	assert.ok(rows.some((r) => /Boot timeline/.test(r)));
	assert.ok(rows.some((r) => / {2}Network MTU/.test(r)));
	assert.ok(rows.some((r) => / {2}Framebuffer/.test(r)));
	assert.match(rows[24], /^╌{80}/, 'the guest bottom edge is marked');
	assert.match(rows[29], /^ obsd74 │ running\/login │ qemu │ rw │ 2 viewers │/);
});

test('layout when panels are hidden or the window is narrower than the guest', () => {
	assert.deepEqual(computeLayout(160, 50, 80, 24, false), { paneWidth: 80, paneHeight: 24, sideWidth: 0 });
	assert.deepEqual(computeLayout(60, 15, 80, 24, true), { paneWidth: 60, paneHeight: 14, sideWidth: 0 });
	const rows = screenOf(consoleView(60, 15));
	assert.equal(rows.length, 15);
	assert.equal(rows[13], 'guest row 13');
});

test('help replaces the pane; the VM list and its help are Ink screens of the whole window', () => {
	const view = consoleView(100, 30);
	view.console!.help = true;
	const rows = screenOf(view);
	assert.match(rows[0], /^Keys go to the guest\. Commands start with the prefix C-\]:/);
	assert.ok(rows.some((r) => /^ {2}C-\] b {4}send BREAK \(asks first/.test(r)));
	const list = screenOf({ width: 90, height: 10, prefix: 'C-]', depth: 'mono', list: { vms: [vm()], selected: 0, help: false } });
	assert.match(list[0], /^NAME/);
	assert.match(list[1], /^> obsd74/);
});

test('painting writes only what changed, and nothing for an unchanged frame', () => {
	const out: string[] = [];
	const p = new Painter((s) => out.push(s));
	const view = consoleView(120, 30);
	const first = p.paint(view);
	assert.ok(first > 0);
	assert.equal(p.paint(view), 0, 'same frame: no bytes');
	const next = structuredClone(view);
	next.console!.lines[5] = 'guest row 5 changed';
	const bytes = p.paint(next);
	const written = out.at(-1)!;
	assert.ok(written.includes('guest row 5 changed'));
	assert.equal(written.includes('guest row 4'), false, 'other rows are not repainted');
	assert.ok(written.includes('\x1b[6;1H'), 'absolute position of row 6');
	assert.ok(bytes < 120, `one row costs a row's bytes (${bytes})`);
});

test('a scrolling console at full width is scrolled by the terminal, and the screen stays exact', async () => {
	const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
	const out: string[] = [];
	const p = new Painter((s) => {
		out.push(s);
		term.write(s);
	});
	const view = consoleView(80, 24);
	const guest = Array.from({ length: 200 }, (_, i) => `dmesg line ${i} ${'x'.repeat(i % 50)}`);
	const at = (top: number) => {
		const v = structuredClone(view);
		v.console!.lines = guest.slice(top, top + 23);
		return v;
	};
	p.paint(at(0));
	for (const top of [3, 4, 11, 30, 31, 100]) {
		p.paint(at(top));
		await new Promise<void>((r) => term.write('', r));
		const shown = Array.from({ length: 23 }, (_, y) => term.buffer.active.getLine(y)!.translateToString(true));
		assert.deepEqual(shown, guest.slice(top, top + 23), `screen after scrolling to ${top}`);
	}
	assert.match(out[1], /\x1b\[1;23r\x1b\[3S\x1b\[r/, 'three lines scrolled by the terminal');
	assert.equal((out[1].match(/dmesg line/g) ?? []).length, 3, 'only the three new rows were painted');
	assert.equal(out[6].includes('S\x1b[r'), false, 'a jump with nothing in common is simply repainted');
	assert.match(term.buffer.active.getLine(23)!.translateToString(true), /^ obsd74 │/, 'the status line never moved');
});

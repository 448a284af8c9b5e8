// `obsdtui doctor` through the real CLI, on this machine and on one that lacks QEMU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findQemu } from '../../src/helper/qemu.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'obsdtui-doctor-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

interface Check {
	name: string;
	status: string;
	detail: string;
	fix?: string;
}

function doctor(args: string[], env: NodeJS.ProcessEnv) {
	const r = spawnSync(process.execPath, [join(root, 'bin', 'obsdtui.js'), 'doctor', ...args], {
		encoding: 'utf8',
		timeout: 60_000,
		env: {
			HOME: process.env.HOME,
			OBSDTUI_RUNTIME_DIR: join(scratch, 'run'),
			OBSDTUI_STATE_DIR: join(scratch, 'state'),
			...env,
		},
	});
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function byName(checks: Check[], name: string): Check {
	const c = checks.find((x) => x.name === name);
	assert.ok(c, `no ${name} check in ${JSON.stringify(checks)}`);
	return c;
}

test('without qemu: says so and how to install it, exits 1, no stack trace', () => {
	// Only node's own directory on PATH: no qemu, no compiler, no tmux.
	const env = { PATH: dirname(process.execPath), OBSDTUI_QEMU: '/nonexistent/qemu-system-aarch64' };
	const text = doctor([], env);
	assert.equal(text.status, 1, text.stderr);
	assert.equal(text.stderr, '');
	assert.match(
		text.stdout,
		/^missing +qemu-system-aarch64 +OBSDTUI_QEMU=\/nonexistent\/qemu-system-aarch64 is not an executable file; Debian\/Ubuntu: apt-get install qemu-system-arm qemu-efi-aarch64 qemu-utils; macOS: brew install qemu$/m,
	);
	assert.match(text.stdout, /^ok +node +v\d+\.\d+\.\d+$/m);

	const json = doctor(['--json'], { PATH: dirname(process.execPath) });
	assert.equal(json.status, 1);
	const out = JSON.parse(json.stdout) as { ok: boolean; checks: Check[] };
	assert.equal(out.ok, false);
	assert.equal(byName(out.checks, 'qemu-system-aarch64').status, 'missing');
	assert.equal(byName(out.checks, 'qemu-system-aarch64').detail, 'not found on PATH');
	assert.equal(byName(out.checks, 'tmux').status, 'warn');
});

test('a runtime dir others can read is reported with the chmod that fixes it', () => {
	const run = join(scratch, 'loose');
	mkdirSync(run, { mode: 0o755 });
	const r = doctor(['--json'], { PATH: process.env.PATH, OBSDTUI_RUNTIME_DIR: run });
	const c = byName((JSON.parse(r.stdout) as { checks: Check[] }).checks, 'runtime');
	assert.equal(c.status, 'missing');
	assert.match(c.detail, new RegExp(`chmod 700 ${run}`));
	assert.equal(r.status, 1);
});

test('on this machine: qemu with its version, and the exit status says whether all is there', () => {
	const r = doctor(['--json'], { PATH: process.env.PATH, OBSDTUI_QEMU: process.env.OBSDTUI_QEMU });
	const out = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] };
	const qemu = byName(out.checks, 'qemu-system-aarch64');
	if (findQemu()) assert.match(qemu.detail, /^\d+\.\d+\.\d+\S* \(\/.*qemu-system-aarch64\)$/);
	else assert.equal(qemu.status, 'missing');
	assert.equal(byName(out.checks, 'runtime').status, 'ok');
	assert.deepEqual(
		out.checks.map((c) => c.name),
		['node', 'qemu-system-aarch64', 'firmware', 'accel', 'compiler', 'helper', 'runtime', 'state', 'logs', 'tmux'],
	);
	assert.equal(r.status, out.ok ? 0 : 1);
	if (process.env.OBSDTUI_REQUIRE_QEMU === '1') assert.equal(out.ok, true, r.stdout);
});

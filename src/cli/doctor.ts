// obsdtui doctor: what this machine has and lacks for running VMs, one line each, with
// what to do about it. It must work on the machine that is missing things, so every
// check catches its own failure instead of letting it end the command.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { command, printJson } from './command.ts';
import { errorMessage } from '../common/errors.ts';
import { ensurePrivateDir, runtimeDir, stateDir, vmsDir } from '../common/paths.ts';
import { chooseAccel } from '../helper/accel.ts';
import { QEMU_BINARY, QEMU_INSTALL_HINT, findFirmware, findQemu } from '../helper/qemu.ts';
import { helperBinary } from '../helper/spawn.ts';
import { logUsage, userQuotaBytes } from '../helper/retention.ts';
import { retentionSummary } from './ls.ts';

export type CheckStatus = 'ok' | 'missing' | 'warn';

export interface Check {
	name: string;
	status: CheckStatus;
	detail: string;
	/** What to do; absent when there is nothing to do. */
	fix?: string;
	/** A missing required check makes doctor exit 1. */
	required: boolean;
}

function run(cmd: string, args: string[]): string | null {
	const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
	if (r.error || r.status !== 0) return null;
	return (r.stdout || r.stderr).trim().split('\n')[0];
}

function onPath(name: string): string | null {
	for (const dir of (process.env.PATH ?? '').split(delimiter)) {
		if (!dir) continue;
		try {
			accessSync(join(dir, name), constants.X_OK);
			return join(dir, name);
		} catch {
			// not here
		}
	}
	return null;
}

function checkNode(): Check {
	const major = Number(process.versions.node.split('.')[0]);
	if (major >= 22) return { name: 'node', status: 'ok', detail: `v${process.versions.node}`, required: true };
	return { name: 'node', status: 'missing', detail: `v${process.versions.node} is too old`, fix: 'install Node 22 or newer', required: true };
}

function checkQemu(qemu: string | null): Check {
	const name = QEMU_BINARY;
	if (!qemu) {
		const why = process.env.OBSDTUI_QEMU ? `OBSDTUI_QEMU=${process.env.OBSDTUI_QEMU} is not an executable file` : 'not found on PATH';
		return { name, status: 'missing', detail: why, fix: QEMU_INSTALL_HINT, required: true };
	}
	const line = run(qemu, ['--version']);
	if (!line) return { name, status: 'missing', detail: `${qemu} does not run`, fix: `reinstall it (${QEMU_INSTALL_HINT})`, required: true };
	const version = /version (\S+)/.exec(line)?.[1] ?? line;
	return { name, status: 'ok', detail: `${version} (${qemu})`, required: true };
}

function checkFirmware(qemu: string | null): Check {
	const fw = findFirmware(qemu);
	if (fw) return { name: 'firmware', status: 'ok', detail: fw, required: true };
	return {
		name: 'firmware',
		status: 'missing',
		detail: 'no AArch64 UEFI firmware (OpenBSD/arm64 boots through it)',
		fix: 'Debian/Ubuntu: apt-get install qemu-efi-aarch64; macOS: brew install qemu',
		required: true,
	};
}

function checkAccel(): Check {
	try {
		const { accel, cpu, why } = chooseAccel({ accel: 'auto' });
		if (accel === 'tcg') return { name: 'accel', status: 'warn', detail: `tcg -cpu ${cpu}: ${why}`, required: false };
		return { name: 'accel', status: 'ok', detail: `${accel} -cpu ${cpu}: ${why}`, required: false };
	} catch (e) {
		return { name: 'accel', status: 'warn', detail: errorMessage(e), required: false };
	}
}

function checkHelper(): Check[] {
	let helper: string | null = null;
	try {
		helper = helperBinary();
	} catch {
		// not built
	}
	const cc = [process.env.CC, 'cc', 'clang', 'gcc'].find((c) => c && (c.includes('/') ? run(c, ['--version']) : onPath(c)));
	const checks: Check[] = [];
	if (cc) checks.push({ name: 'compiler', status: 'ok', detail: cc, required: false });
	else {
		checks.push({
			name: 'compiler',
			status: helper ? 'warn' : 'missing',
			detail: 'no C compiler (cc, clang, gcc)',
			fix: 'Debian/Ubuntu: apt-get install gcc libc6-dev; macOS: xcode-select --install',
			required: !helper,
		});
	}
	if (helper) checks.push({ name: 'helper', status: 'ok', detail: helper, required: true });
	else checks.push({ name: 'helper', status: 'missing', detail: 'native/qemu/obsdtui-helper is not built', fix: 'run npm install (needs a C compiler)', required: true });
	return checks;
}

function checkRuntimeDir(): Check {
	const dir = runtimeDir();
	try {
		ensurePrivateDir(dir);
		return { name: 'runtime', status: 'ok', detail: `${dir} (0700, ours)`, required: true };
	} catch (e) {
		return { name: 'runtime', status: 'missing', detail: errorMessage(e), fix: 'or set OBSDTUI_RUNTIME_DIR to a private directory', required: true };
	}
}

function checkStateDir(): Check {
	const dir = stateDir();
	let st;
	try {
		st = statSync(dir);
	} catch {
		return { name: 'state', status: 'ok', detail: `${dir} (created on first use)`, required: true };
	}
	if (!st.isDirectory()) return { name: 'state', status: 'missing', detail: `${dir} is not a directory`, fix: 'move it away or set OBSDTUI_STATE_DIR', required: true };
	try {
		accessSync(dir, constants.W_OK | constants.X_OK);
	} catch {
		return { name: 'state', status: 'missing', detail: `${dir} is not writable by us`, fix: 'fix its owner or set OBSDTUI_STATE_DIR', required: true };
	}
	if ((st.mode & 0o077) !== 0) {
		return { name: 'state', status: 'warn', detail: `${dir} has mode ${(st.mode & 0o777).toString(8)}: others can read console logs`, fix: `chmod 700 ${dir}`, required: true };
	}
	return { name: 'state', status: 'ok', detail: dir, required: true };
}

function checkTmux(): Check {
	const line = onPath('tmux') ? run('tmux', ['-V']) : null;
	if (line) return { name: 'tmux', status: 'ok', detail: line, required: false };
	return { name: 'tmux', status: 'warn', detail: 'not found (optional: only the tmux e2e tests use it)', fix: 'apt-get install tmux / brew install tmux', required: false };
}

/** Console logs: space used against OBSDTUI_LOG_QUOTA, and what retention removed. */
function checkLogs(): Check {
	const dir = vmsDir();
	try {
		const vms = existsSync(dir) ? readdirSync(dir) : [];
		const usage = vms.map((vm) => logUsage(join(dir, vm)));
		const total = usage.reduce((n, u) => n + u.bytes, 0);
		const quota = userQuotaBytes();
		const detail = retentionSummary(usage).trim();
		// Retention cannot remove the newest or a running boot: the total may stay over.
		if (total > quota) return { name: 'logs', status: 'warn', detail, fix: 'remove old VMs (obsdtui rm) or raise OBSDTUI_LOG_QUOTA', required: false };
		return { name: 'logs', status: 'ok', detail, required: false };
	} catch (e) {
		return { name: 'logs', status: 'warn', detail: errorMessage(e), required: false };
	}
}

export function runChecks(): Check[] {
	const qemu = findQemu();
	return [checkNode(), checkQemu(qemu), checkFirmware(qemu), checkAccel(), ...checkHelper(), checkRuntimeDir(), checkStateDir(), checkLogs(), checkTmux()];
}

export function formatChecks(checks: Check[]): string {
	const width = Math.max(...checks.map((c) => c.name.length));
	return checks.map((c) => `${c.status.padEnd(7)} ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `; ${c.fix}` : ''}\n`).join('');
}

export default command({
	command: 'doctor',
	describe: 'Check what running VMs needs here (qemu, firmware, helper, directories)',
	builder: (y) => y.option('json', { type: 'boolean', describe: 'print the checks as JSON' }),
	handler: (args) => {
		const checks = runChecks();
		const ok = checks.every((c) => !(c.required && c.status === 'missing'));
		if (args.json) printJson({ ok, checks });
		else process.stdout.write(formatChecks(checks));
		if (!ok) process.exitCode = 1;
	},
});

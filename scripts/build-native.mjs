// Build native/qemu/obsdtui-helper with the system C compiler. Run by `npm install`
// and `npm test`; a no-op when the binary is newer than every source file and was built
// with the same extra flags.
//
// OBSDTUI_CFLAGS adds compiler flags (split at spaces): CI builds with -Werror, and once
// with -fsanitize=address,undefined for an AddressSanitizer run of the integration tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native', 'qemu');
const out = join(dir, 'obsdtui-helper');
// The extra flags the binary was built with: a change of OBSDTUI_CFLAGS rebuilds it.
const stamp = join(dir, 'obsdtui-helper.cflags');
const extra = (process.env.OBSDTUI_CFLAGS ?? '').split(/\s+/).filter(Boolean);

const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f));
const inputs = [...sources, ...readdirSync(dir).filter((f) => f.endsWith('.h')).map((f) => join(dir, f)), fileURLToPath(import.meta.url)];

function mtime(path) {
	return statSync(path).mtimeMs;
}

function builtWith() {
	try {
		return readFileSync(stamp, 'utf8');
	} catch {
		return '';
	}
}

if (existsSync(out) && inputs.every((f) => mtime(f) < mtime(out)) && builtWith() === extra.join(' ')) {
	buildApple();
	process.exit(0);
}

function works(cc) {
	const r = spawnSync(cc, ['--version'], { stdio: 'ignore' });
	return r.status === 0;
}

const cc = [process.env.CC, 'cc', 'clang', 'gcc'].find((c) => c && works(c));
if (!cc) {
	console.error('obsdtui: no C compiler found (install build-essential / Xcode command line tools)');
	process.exit(1);
}

// openpty(3) lives in libutil on Linux and the BSDs, in libc on macOS.
const libs = process.platform === 'darwin' ? [] : ['-lutil'];
const args = ['-Wall', '-Wextra', '-O2', ...extra, '-o', out, ...sources, ...libs];
if (extra.length) console.error(`obsdtui: building the native helper with ${extra.join(' ')}`);
const r = spawnSync(cc, args, { stdio: 'inherit' });
if (r.status !== 0) {
	rmSync(out, { force: true });
	console.error(`obsdtui: building the native helper failed (${cc} ${args.join(' ')})`);
	process.exit(1);
}
writeFileSync(stamp, extra.join(' '));
buildApple();

/*
 * On a Mac with Apple silicon and swiftc: native/apple/obsdtui-vz-helper (the apple
 * backend), linked with the C helper's wire.c and signed ad hoc with the virtualization
 * entitlement (a rebuild drops the signature). Optional: without it, only the apple
 * backend is missing, so a failure is reported and the install goes on.
 */
function buildApple() {
	if (process.platform !== 'darwin' || process.arch !== 'arm64') return;
	const adir = join(root, 'native', 'apple');
	const aout = join(adir, 'obsdtui-vz-helper');
	const ent = join(adir, 'obsdtui-vz-helper.entitlements');
	const swift = readdirSync(adir).filter((f) => f.endsWith('.swift')).sort().map((f) => join(adir, f));
	const csrc = [join(adir, 'vzsock.c'), join(dir, 'wire.c')];
	const ainputs = [...swift, ...csrc, join(adir, 'vzsock.h'), join(adir, 'bridge.h'), join(dir, 'wire.h'), ent, fileURLToPath(import.meta.url)];
	if (existsSync(aout) && ainputs.every((f) => mtime(f) < mtime(aout))) return;
	if (!works('swiftc')) {
		console.error('obsdtui: swiftc not found: the apple backend is not built (xcode-select --install, then npm install)');
		return;
	}
	const target = ['-target', 'arm64-apple-macos13.0'];
	const tmp = mkdtempSync(join(tmpdir(), 'obsdtui-vz-'));
	const steps = [];
	const objs = csrc.map((c) => join(tmp, `${basename(c, '.c')}.o`));
	for (const [i, c] of csrc.entries()) steps.push(['clang', ['-Wall', '-O2', ...target, '-c', c, '-o', objs[i]]]);
	steps.push(['swiftc', ['-O', '-swift-version', '5', ...target, '-import-objc-header', join(adir, 'bridge.h'), '-framework', 'Virtualization', '-o', aout, ...swift, ...objs]]);
	steps.push(['codesign', ['--entitlements', ent, '--force', '-s', '-', aout]]);
	try {
		for (const [cmd, args] of steps) {
			if (spawnSync(cmd, args, { stdio: 'inherit' }).status === 0) continue;
			// An unsigned or stale binary would fail later, less clearly than a missing one.
			rmSync(aout, { force: true });
			console.error(`obsdtui: building the Apple Virtualization helper failed (${cmd} ${args.join(' ')}); the apple backend is not available`);
			return;
		}
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}
}

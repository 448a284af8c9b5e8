// Build native/qemu/obsdtui-helper with the system C compiler. Run by `npm install`
// and `npm test`; a no-op when the binary is newer than every source file.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native', 'qemu');
const out = join(dir, 'obsdtui-helper');

const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f));
const inputs = [...sources, ...readdirSync(dir).filter((f) => f.endsWith('.h')).map((f) => join(dir, f)), fileURLToPath(import.meta.url)];

function mtime(path) {
	return statSync(path).mtimeMs;
}

if (existsSync(out) && inputs.every((f) => mtime(f) < mtime(out))) process.exit(0);

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
const args = ['-Wall', '-Wextra', '-O2', '-o', out, ...sources, ...libs];
const r = spawnSync(cc, args, { stdio: 'inherit' });
if (r.status !== 0) {
	console.error(`obsdtui: building the native helper failed (${cc} ${args.join(' ')})`);
	process.exit(1);
}

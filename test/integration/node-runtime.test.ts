// bin/obsdtui.js started by a Node older than 22 (the machine's own, e.g. Debian's 20) runs
// itself again with the pinned Node in the user's cache (scripts/node-runtime.mjs): exit
// statuses and signals pass through. The cache here holds the Node running these tests
// (when it is the pinned version), so nothing is fetched; .ci/stock-node.sh covers the fetch.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, ROOT, Sandbox, until } from '../helpers/cli.ts';

const STOCK = process.env.OBSDTUI_STOCK_NODE ?? '/usr/bin/node';
const PINNED = /NODE_VERSION = '([\d.]+)'/.exec(readFileSync(join(ROOT, 'scripts', 'node-runtime.mjs'), 'utf8'))?.[1];
const stockVersion = existsSync(STOCK) ? spawnSync(STOCK, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
const skip = !stockVersion
	? `no ${STOCK}`
	: Number(stockVersion.slice(1).split('.')[0]) >= 22
		? `${STOCK} is ${stockVersion}: not older than 22, nothing to re-exec`
		: process.versions.node !== PINNED
			? `these tests run on Node ${process.versions.node}, not the pinned ${PINNED}`
			: false;

const box = new Sandbox('onr');
after(() => box.cleanup());
const cache = join(box.dir, 'cache');
const env: NodeJS.ProcessEnv = { ...box.env, XDG_CACHE_HOME: cache };
if (!skip) {
	const bin = join(cache, 'obsdtui', 'node', `${PINNED}-${process.platform}-${process.arch}`, 'bin');
	mkdirSync(bin, { recursive: true });
	symlinkSync(process.execPath, join(bin, 'node'));
}

function stock(args: string[]) {
	return spawnSync(STOCK, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
}

test('on the old Node, obsdtui runs on the pinned one: doctor reports it', { skip }, () => {
	const r = stock(['doctor', '--json']);
	const { checks } = JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] };
	assert.equal(checks.find((c) => c.name === 'node')?.detail, `v${PINNED}`, r.stdout);
});

test('the exit status and the one-line error of the re-run command come through', { skip }, () => {
	const r = stock(['log', 'no-such-vm']);
	assert.equal(r.status, 1);
	assert.equal(r.stderr, "obsdtui: no VM named 'no-such-vm' (see 'obsdtui ls')\n");
	const v = stock(['--version']);
	assert.equal(v.status, 0);
	assert.match(v.stdout, /^obsdtui \d+\.\d+\.\d+\n$/);
});

test('SIGTERM sent to the old Node reaches obsdtui running on the new one', { skip }, async () => {
	const parent = spawn(STOCK, [BIN, 'daemon', 'run'], { env, stdio: 'ignore' });
	const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => parent.on('exit', (code, sig) => resolve([code, sig])));
	const pid = await until(() => box.daemonPid(), 'the daemon to write its pid file');
	assert.notEqual(pid, parent.pid, 'the daemon is the re-run child, not the old Node');
	parent.kill('SIGTERM');
	const [code, sig] = await exited;
	assert.ok(code === 0 || sig === 'SIGTERM', `the old Node exited with the daemon's status (${code}, ${sig})`);
	await until(() => !existsSync(join(box.dir, 'run', 'daemon.pid')), 'the daemon to shut down and remove its pid file');
	assert.throws(() => process.kill(pid, 0), /ESRCH/);
});

// obsdtui image fetch against a local mirror on 127.0.0.1 laid out like the real ones,
// signed with the real signify and keys made here. Every failure must end in one line on
// stderr, a non-zero exit and no file in the cache that could be taken as verified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, BIN, until } from '../helpers/cli.ts';
import { haveSignify, makeKey, Mirror, publish, type TestKey } from '../helpers/mirror.ts';
import { haveTmux, Tmux } from '../helpers/tmux.ts';

const skip = haveSignify() ? false : 'signify-openbsd is not installed (apt-get install signify-openbsd)';

let work: string;
let mirror: Mirror;
let release: TestKey;
let snapKey: TestKey;
let stranger: TestKey;
const image = randomBytes(3 * 1024 * 1024 + 123);
const snapImage = randomBytes(200 * 1024);

before(async () => {
	if (skip) return;
	work = mkdtempSync('/tmp/ot-mirror-');
	release = makeKey(join(work, 'keys'), 'test-79-release');
	snapKey = makeKey(join(work, 'keys'), 'openbsd-80-base');
	stranger = makeKey(join(work, 'keys'), 'stranger');
	const root = join(work, 'www');
	publish(root, '7.9', 'arm64', { 'miniroot79.img': image, 'bsd.rd': Buffer.from('a ramdisk kernel\n') }, release);
	publish(root, 'snapshots', 'arm64', { 'miniroot80.img': snapImage, 'install80.img': Buffer.from('sets\n') }, snapKey);
	mirror = new Mirror(root);
	await mirror.start();
});

after(async () => {
	if (skip) return;
	await mirror.stop();
	rmSync(work, { recursive: true, force: true });
});

function sandbox(): Sandbox {
	const sb = new Sandbox('ot-img');
	sb.env.XDG_CACHE_HOME = join(sb.dir, 'cache');
	return sb;
}

function cacheDir(sb: Sandbox, version = '7.9'): string {
	return join(sb.dir, 'cache', 'obsdtui', 'images', version, 'arm64');
}

function cached(sb: Sandbox, version = '7.9'): string[] {
	const d = cacheDir(sb, version);
	return existsSync(d) ? readdirSync(d).sort() : [];
}

/** What a person or a script could take for a verified image: anything but SHA256.sig and .part files. */
function trusted(sb: Sandbox, version = '7.9'): string[] {
	return cached(sb, version).filter((f) => f !== 'SHA256.sig' && !f.endsWith('.part'));
}

const fetch79 = (sb: Sandbox, ...extra: string[]) => sb.run(['image', 'fetch', '7.9', '--mirror', mirror.url, '--key', release.pub, ...extra]);

function oneLineError(stderr: string, re: RegExp): void {
	assert.match(stderr, re);
	assert.equal(stderr.trimEnd().split('\n').filter((l) => l.startsWith('obsdtui: ')).length, 1, stderr);
	assert.doesNotMatch(stderr, /\n\s+at /, 'a stack trace');
}

test('good media is verified, cached, and not downloaded again', { skip }, async () => {
	const sb = sandbox();
	try {
		mirror.requests.length = 0;
		const r = await fetch79(sb);
		assert.equal(r.code, 0, r.stderr);
		const path = join(cacheDir(sb), 'miniroot79.img');
		assert.equal(r.stdout, `${path}\n`);
		assert.deepEqual(readFileSync(path), image);
		assert.deepEqual(cached(sb), ['SHA256.sig', 'miniroot79.img']);
		assert.match(r.stderr, /signature verified with test-79-release\.pub/);
		assert.match(r.stderr, /SHA256 matches the signed list/);
		assert.deepEqual(mirror.requests.map((q) => q.path), ['/pub/OpenBSD/7.9/arm64/SHA256.sig', '/pub/OpenBSD/7.9/arm64/miniroot79.img']);
		// A release does not change: the second run needs no mirror at all.
		mirror.requests.length = 0;
		const again = await fetch79(sb, '--json');
		assert.equal(again.code, 0, again.stderr);
		assert.deepEqual(mirror.requests, []);
		const events = again.stdout.trim().split('\n').map((l) => JSON.parse(l));
		assert.deepEqual(events.at(-1), { event: 'verified', file: 'miniroot79.img', path, sha256: events.at(-1).sha256, key: 'test-79-release.pub', cached: true });
		// Another file of the same signed list.
		const rd = await fetch79(sb, '--file', 'bsd.rd');
		assert.equal(rd.code, 0, rd.stderr);
		assert.equal(readFileSync(rd.stdout.trim(), 'utf8'), 'a ramdisk kernel\n');
	} finally {
		sb.cleanup();
	}
});

test('snapshots: the miniroot the signed list names, the next release\'s key, or a clear word about it', { skip }, async () => {
	const sb = sandbox();
	try {
		const noKey = await sb.run(['image', 'fetch', 'snapshots', '--mirror', mirror.url]);
		assert.equal(noKey.code, 1);
		oneLineError(noKey.stderr, /needs openbsd-80-base\.pub; an OpenBSD 7\.9 system keeps it in \/etc\/signify\/openbsd-80-base\.pub/);
		assert.deepEqual(cached(sb, 'snapshots'), []);
		mirror.requests.length = 0;
		const r = await sb.run(['image', 'fetch', 'snapshots', '--mirror', mirror.url, '--key', snapKey.pub]);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.stdout.trim(), join(cacheDir(sb, 'snapshots'), 'miniroot80.img'));
		assert.deepEqual(readFileSync(r.stdout.trim()), snapImage);
		// Snapshots change daily: the signed list is fetched again, the unchanged file is not.
		mirror.requests.length = 0;
		const again = await sb.run(['image', 'fetch', 'snapshots', '--mirror', mirror.url, '--key', snapKey.pub]);
		assert.equal(again.code, 0, again.stderr);
		assert.deepEqual(mirror.requests.map((q) => q.path), ['/pub/OpenBSD/snapshots/arm64/SHA256.sig']);
	} finally {
		sb.cleanup();
	}
});

/** Serve a modified copy of the 7.9 tree for one test. */
async function withTree(change: (dir: string) => void, body: () => Promise<void>): Promise<void> {
	const dir = join(mirror.root, 'pub', 'OpenBSD', '7.9', 'arm64');
	const saved = new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
	change(dir);
	try {
		await body();
	} finally {
		for (const [f, data] of saved) writeFileSync(join(dir, f), data);
	}
}

test('a tampered file: hash mismatch, and nothing left in the cache', { skip }, async () => {
	const sb = sandbox();
	try {
		await withTree((dir) => {
			const bad = Buffer.from(image);
			bad[1000] ^= 0x20;
			writeFileSync(join(dir, 'miniroot79.img'), bad);
		}, async () => {
			const r = await fetch79(sb);
			assert.equal(r.code, 1);
			oneLineError(r.stderr, /miniroot79\.img: SHA256 mismatch .* the download was removed/);
			assert.deepEqual(trusted(sb), []);
			assert.deepEqual(cached(sb).filter((f) => f.endsWith('.part')), []);
		});
	} finally {
		sb.cleanup();
	}
});

test('a tampered SHA256 list: bad signature, nothing cached', { skip }, async () => {
	const sb = sandbox();
	try {
		await withTree((dir) => {
			// Swap in the hash of other bytes, as an attacker with the mirror would.
			const sig = readFileSync(join(dir, 'SHA256.sig'), 'latin1');
			const m = /miniroot79\.img\) = ([0-9a-f]{64})/.exec(sig) as RegExpExecArray;
			writeFileSync(join(dir, 'SHA256.sig'), sig.replace(m[1], m[1].replace(/^./, (c) => (c === '0' ? '1' : '0'))), 'latin1');
		}, async () => {
			mirror.requests.length = 0;
			const r = await fetch79(sb);
			assert.equal(r.code, 1);
			oneLineError(r.stderr, /BAD SIGNATURE/);
			assert.deepEqual(cached(sb), []);
			assert.deepEqual(mirror.requests.map((q) => q.path), ['/pub/OpenBSD/7.9/arm64/SHA256.sig'], 'the image was requested after a bad signature');
		});
	} finally {
		sb.cleanup();
	}
});

test('a list signed by another key is refused, and the key is never fetched from the mirror', { skip }, async () => {
	const sb = sandbox();
	try {
		await withTree((dir) => {
			publish(join(mirror.root), '7.9', 'arm64', { 'miniroot79.img': image, 'bsd.rd': Buffer.from('a ramdisk kernel\n') }, stranger);
			// The attacker also offers "the key" next to the files.
			writeFileSync(join(dir, 'stranger.pub'), readFileSync(stranger.pub));
		}, async () => {
			mirror.requests.length = 0;
			const r = await fetch79(sb);
			assert.equal(r.code, 1);
			oneLineError(r.stderr, /signed with key [0-9a-f]{16} \("verify with stranger\.pub"\)|signed with key [0-9a-f]{16}.*not a trusted key/);
			assert.deepEqual(mirror.requests.map((q) => q.path), ['/pub/OpenBSD/7.9/arm64/SHA256.sig']);
			assert.deepEqual(cached(sb), []);
		});
	} finally {
		rmSync(join(mirror.root, 'pub', 'OpenBSD', '7.9', 'arm64', 'stranger.pub'), { force: true });
		sb.cleanup();
	}
});

test('HTTP errors (404, 500) are one line, nothing cached', { skip }, async () => {
	const sb = sandbox();
	try {
		const r404 = await sb.run(['image', 'fetch', '7.8', '--mirror', mirror.url, '--key', release.pub]);
		assert.equal(r404.code, 1);
		oneLineError(r404.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/pub\/OpenBSD\/7\.8\/arm64\/SHA256\.sig: HTTP 404/);
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'status', status: 500 });
		const r500 = await fetch79(sb);
		assert.equal(r500.code, 1);
		oneLineError(r500.stderr, /miniroot79\.img: HTTP 500/);
		assert.deepEqual(trusted(sb), []);
		assert.deepEqual(trusted(sb, '7.8'), []);
	} finally {
		mirror.behaviours.clear();
		sb.cleanup();
	}
});

test('a truncated body fails, keeps only a .part, and the next run resumes where it broke', { skip }, async () => {
	const sb = sandbox();
	const cut = 1024 * 1024 + 17;
	try {
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'truncate', after: cut });
		const r = await fetch79(sb);
		assert.equal(r.code, 1);
		oneLineError(r.stderr, /miniroot79\.img: .*after 1048593 of 3145851 bytes; run again to resume/);
		assert.deepEqual(trusted(sb), []);
		const parts = cached(sb).filter((f) => f.endsWith('.part'));
		assert.equal(parts.length, 1);
		assert.match(parts[0], /^miniroot79\.img\.[0-9a-f]{16}\.part$/);
		assert.equal(statSync(join(cacheDir(sb), parts[0])).size, cut);
		mirror.behaviours.clear();
		mirror.requests.length = 0;
		const again = await fetch79(sb);
		assert.equal(again.code, 0, again.stderr);
		const get = mirror.requests.find((q) => q.path.endsWith('miniroot79.img'));
		assert.equal(get?.range, `bytes=${cut}-`);
		assert.match(again.stderr, /resuming at 1\.0 MiB/);
		assert.deepEqual(readFileSync(again.stdout.trim()), image);
		assert.deepEqual(cached(sb), ['SHA256.sig', 'miniroot79.img']);
	} finally {
		mirror.behaviours.clear();
		sb.cleanup();
	}
});

test('a server that ignores Range: the download starts over and still verifies', { skip }, async () => {
	const sb = sandbox();
	try {
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'truncate', after: 5000 });
		assert.equal((await fetch79(sb)).code, 1);
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'noRange' });
		const r = await fetch79(sb);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(readFileSync(r.stdout.trim()), image);
	} finally {
		mirror.behaviours.clear();
		sb.cleanup();
	}
});

test('a server that stalls mid-body: a stall error, no trusted file', { skip }, async () => {
	const sb = sandbox();
	try {
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'stall', after: 64 * 1024 });
		const r = await fetch79(sb, '--stall', '1');
		assert.equal(r.code, 1);
		oneLineError(r.stderr, /no data from http:\S+miniroot79\.img for 1 s: the transfer stalled after 65536 of 3145851 bytes/);
		assert.deepEqual(trusted(sb), []);
	} finally {
		mirror.behaviours.clear();
		sb.cleanup();
	}
});

test('progress: plain lines in a pipe, no carriage returns or escapes', { skip }, async () => {
	const sb = sandbox();
	try {
		const r = await fetch79(sb);
		assert.equal(r.code, 0, r.stderr);
		assert.doesNotMatch(r.stderr, /[\r\x1b]/);
		assert.match(r.stderr, /^miniroot79\.img: from http:\S+ \(3\.0 MiB\)$/m);
		assert.match(r.stderr, /^miniroot79\.img: 3\.0 MiB in \d+s$/m);
	} finally {
		sb.cleanup();
	}
});

test('progress: one redrawn line on a terminal (tmux) with bytes, rate and ETA', { skip: skip || (haveTmux() ? false : 'tmux is not installed') }, async () => {
	const sb = sandbox();
	const tmux = new Tmux(100, 12);
	try {
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'hold', after: 1024 * 1024 });
		const env = Object.entries({ XDG_CACHE_HOME: sb.env.XDG_CACHE_HOME as string, OBSDTUI_STATE_DIR: sb.env.OBSDTUI_STATE_DIR as string, OBSDTUI_RUNTIME_DIR: sb.env.OBSDTUI_RUNTIME_DIR as string });
		tmux.start(`${process.execPath} ${BIN} image fetch 7.9 --mirror ${mirror.url} --key ${release.pub}`, Object.fromEntries(env));
		const held = await until(() => {
			const s = tmux.capture();
			return /miniroot79\.img {2}1\.0 MiB \/ 3\.0 MiB {2}\S+ \S*B\/s {2}ETA \S+/.test(s) ? s : '';
		}, 'the progress line in the pane');
		assert.equal(held.split('\n').filter((l) => l.includes('MiB /')).length, 1, held);
		mirror.release();
		const done = await until(() => (tmux.dead() ? tmux.capture() : ''), 'fetch to finish');
		assert.match(done, /SHA256 matches the signed list/);
		assert.match(done, /miniroot79\.img: 3\.0 MiB in \d+s/);
		// Redrawn in place: the progress line was replaced, not followed by more of its kind.
		assert.equal(done.split('\n').filter((l) => l.includes('MiB /')).length, 0, done);
		assert.match(done, new RegExp(`${cacheDir(sb).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/miniroot79\\.img`));
	} finally {
		mirror.behaviours.clear();
		mirror.release();
		tmux.kill();
		sb.cleanup();
	}
});

test('two fetches of one file: the second is told to wait, the first completes', { skip }, async () => {
	const sb = sandbox();
	try {
		mirror.behaviours.set('/pub/OpenBSD/7.9/arm64/miniroot79.img', { kind: 'hold', after: 4096 });
		mirror.requests.length = 0;
		const first = fetch79(sb);
		await until(() => mirror.requests.some((q) => q.path.endsWith('/miniroot79.img')), 'the first fetch to start the download');
		const second = await fetch79(sb);
		assert.equal(second.code, 1);
		oneLineError(second.stderr, /miniroot79\.img is being fetched by another obsdtui \(pid \d+\)/);
		mirror.release();
		const r = await first;
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(readFileSync(r.stdout.trim()), image);
		assert.deepEqual(cached(sb), ['SHA256.sig', 'miniroot79.img']);
	} finally {
		mirror.behaviours.clear();
		mirror.release();
		sb.cleanup();
	}
});

test('image keys lists the trusted keys with their sources', { skip }, async () => {
	const sb = sandbox();
	try {
		const keys = JSON.parse(await sb.ok(['image', 'keys', '--key', release.pub, '--json'])) as Array<{ name: string; keynum: string; source: string }>;
		assert.deepEqual(keys[0], { name: 'test-79-release.pub', keynum: keys[0].keynum, source: `--key ${release.pub}` });
		assert.match(keys[0].keynum, /^[0-9a-f]{16}$/);
		const k79 = keys.find((k) => k.name === 'openbsd-79-base.pub' && k.source.startsWith('shipped'));
		assert.ok(k79, JSON.stringify(keys));
		assert.match(k79.source, /https:\/\/www\.openbsd\.org\/79\.html/);
		const bad = await sb.run(['image', 'keys', '--key', '/nonexistent.pub']);
		assert.equal(bad.code, 1);
		oneLineError(bad.stderr, /cannot read key \/nonexistent\.pub: ENOENT/);
	} finally {
		sb.cleanup();
	}
});

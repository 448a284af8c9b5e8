// obsdtui create without booting anything: what it writes for each backend, what it
// refuses, and that a failure leaves no half-made VM. (Booting: test/e2e/create-up.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/cli.ts';
import { haveSignify, makeKey, Mirror, publish, type TestKey } from '../helpers/mirror.ts';

const skip = haveSignify() ? false : 'signify-openbsd is not installed';
let work: string;
let mirror: Mirror;
let key: TestKey;
const sb = new Sandbox('ot-cr');
sb.env.XDG_CACHE_HOME = join(sb.dir, 'cache');

before(async () => {
	if (skip) return;
	work = mkdtempSync('/tmp/ot-create-int-');
	key = makeKey(join(work, 'keys'), 'test-79');
	// A miniroot-sized stand-in: its bytes do not matter here, only that they verify.
	writeFileSync(join(work, 'id.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host\n');
	publish(join(work, 'www'), '7.9', 'arm64', { 'miniroot79.img': Buffer.alloc(1024 * 1024, 0x5a) }, key);
	mirror = new Mirror(join(work, 'www'));
	await mirror.start();
});

after(async () => {
	sb.cleanup();
	if (skip) return;
	await mirror.stop();
	rmSync(work, { recursive: true, force: true });
});

test('apple: a sparse raw disk, the media read-only, the spec up reads', { skip }, async () => {
	const r = await sb.run(['create', 'a1', '--backend', 'apple', '--mirror', mirror.url, '--key', key.pub, '--disk-size', '2G', '--json']);
	assert.equal(r.code, 0, r.stderr);
	const last = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
	assert.equal(last.event, 'created');
	const disk = join(sb.vmDir('a1'), 'disk.img');
	assert.equal(last.disk, disk);
	const st = statSync(disk);
	assert.equal(st.size, 2 * 1024 ** 3);
	assert.ok(st.blocks * 512 < 1024 * 1024, `not sparse: ${st.blocks} blocks`);
	const spec = JSON.parse(readFileSync(join(sb.vmDir('a1'), 'spec.json'), 'utf8'));
	assert.equal(spec.backend, 'apple');
	assert.equal(spec.efi, true);
	assert.deepEqual(spec.disks, [
		{ path: disk, format: 'raw', readonly: false },
		{ path: join(sb.dir, 'cache', 'obsdtui', 'images', '7.9', 'arm64', 'miniroot79.img'), format: 'raw', readonly: true },
	]);
	assert.equal(spec.autoinstall, undefined);
	// The daemon knows it before it ever ran; it has no console yet.
	assert.match(await sb.ok(['ls']), /^a1\s+apple\s+created\s+0\b/m);
	const c = await sb.run(['console', 'a1'], { timeoutMs: 20_000 });
	assert.equal(c.code, 1);
	assert.match(c.stderr, /^obsdtui: a1 has not been started yet: obsdtui up a1$/m);
});

test('--from FILE uses the file as it is; flags reach the spec', { skip }, async () => {
	const img = join(work, 'mine.img');
	writeFileSync(img, Buffer.alloc(4096));
	mirror.requests.length = 0;
	const r = await sb.run(['create', 'f1', '--from', img, '--cpus', '3', '--mem', '768', '--gpu', '1024x768', '--net', 'observe,mtu=9000', '--disk-size', '1G']);
	assert.equal(r.code, 0, r.stderr);
	assert.deepEqual(mirror.requests, []);
	const spec = JSON.parse(readFileSync(join(sb.vmDir('f1'), 'spec.json'), 'utf8'));
	assert.equal(spec.disks[1].path, img);
	assert.equal(spec.cpus, 3);
	assert.equal(spec.mem, 768);
	assert.deepEqual(spec.gpu, { width: 1024, height: 768 });
	assert.equal(spec.net.mode, 'observe');
	assert.equal(spec.net.mtu, 9000);
});

test('refusals are one line, and leave no VM directory behind', { skip }, async () => {
	const cases: Array<[string[], RegExp]> = [
		[['create', 'x1', '--from', '/nonexistent/miniroot.img'], /--from \/nonexistent\/miniroot\.img: not a release \(like 7\.9\), snapshots, or an image file/],
		[['create', 'x2', '--mirror', mirror?.url ?? '', '--key', key?.pub ?? '', '--from', '7.8'], /HTTP 404/],
		[['create', 'x3', '--mirror', mirror?.url ?? '', '--disk-size', '1G'], /not a trusted key: 7\.9 needs openbsd-79-base\.pub/],
		[['create', 'x4', '--mirror', mirror?.url ?? '', '--key', key?.pub ?? '', '--disk-size', '10'], /disk size must look like 20G/],
		[['create', 'x5', '--mirror', mirror?.url ?? '', '--key', key?.pub ?? '', '--backend', 'apple', '--autoinstall', '--root-ssh-key', work ? join(work, 'id.pub') : ''], /the apple backend has no way to hand the guest a response file without a host TCP port/],
		[['create', 'x6', '--mirror', mirror?.url ?? '', '--key', key?.pub ?? '', '--autoinstall'], /--autoinstall: an unattended install needs a root password hash/],
		[['create', 'x7', '--mirror', mirror?.url ?? '', '--key', key?.pub ?? '', '--autoinstall', '--root-password-hash', 'hunter2'], /bcrypt hash/],
		[['create', 'x8', '--mirror', mirror?.url ?? '', '--key', key?.pub ?? '', '--autoinstall', '/nonexistent/install.conf'], /cannot read response file \/nonexistent\/install\.conf: ENOENT/],
		[['create', 'x9', '--from', 'snapshots', '--mirror', mirror?.url ?? ''], /HTTP 404/],
	];
	for (const [args, re] of cases) {
		const r = await sb.run(args);
		assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
		assert.match(r.stderr, re);
		assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
		assert.ok(!existsSync(sb.vmDir(args[1])), `${args[1]} left a VM directory`);
	}
	// The name is taken once a VM exists.
	assert.equal((await sb.run(['create', 'a1', '--from', join(work, 'mine.img')])).code, 1);
});

test('--autoinstall FILE: the user\'s response file, kept with the VM', { skip }, async () => {
	const conf = join(work, 'my-install.conf');
	writeFileSync(conf, 'System hostname = mine\nPassword for root account = *************\n');
	const r = await sb.run(['create', 'ai1', '--mirror', mirror.url, '--key', key.pub, '--disk-size', '1G', '--autoinstall', conf]);
	assert.equal(r.code, 0, r.stderr);
	const spec = JSON.parse(readFileSync(join(sb.vmDir('ai1'), 'spec.json'), 'utf8'));
	assert.equal(spec.autoinstall, join(sb.vmDir('ai1'), 'install.conf'));
	assert.equal(readFileSync(spec.autoinstall, 'utf8'), readFileSync(conf, 'utf8'));
	assert.equal(statSync(spec.autoinstall).mode & 0o777, 0o600);
	// Made from flags: the sets come from the mirror create used, as the installer asks for them.
	const made = await sb.run(['create', 'ai3', '--mirror', mirror.url, '--key', key.pub, '--disk-size', '1G', '--autoinstall', '--root-ssh-key', join(work, 'id.pub')]);
	assert.equal(made.code, 0, made.stderr);
	const text = readFileSync(join(sb.vmDir('ai3'), 'install.conf'), 'utf8');
	assert.match(text, new RegExp(`^HTTP Server = 127\\.0\\.0\\.1:${mirror.port}$`, 'm'));
	assert.match(text, /^Server directory = pub\/OpenBSD\/7\.9\/arm64$/m);
	assert.match(text, /^System hostname = ai3$/m);
	const noAi = await sb.run(['create', 'ai4', '--mirror', mirror.url, '--key', key.pub, '--sets-from-cache']);
	assert.equal(noAi.code, 1);
	assert.match(noAi.stderr, /--sets-from-cache needs --autoinstall/);
	const mixed = await sb.run(['create', 'ai2', '--mirror', mirror.url, '--key', key.pub, '--autoinstall', conf, '--hostname', 'x']);
	assert.equal(mixed.code, 1);
	assert.match(mixed.stderr, /is a whole response file: drop --hostname/);
});

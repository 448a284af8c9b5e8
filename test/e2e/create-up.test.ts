// obsdtui create, then obsdtui up, boot what a (local, signify-signed) mirror served: a
// STAND-IN for a miniroot (test/helpers/standin.ts: the Linux test guest as a UEFI-bootable
// FAT image), fetched, verified and booted through UEFI from the VM's disks. With
// --autoinstall the response file reaches the real QEMU guest at the guest-side address
// http://10.0.2.100/install.conf (busybox wget prints it on the console), and no process of
// ours listens on a host TCP port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../helpers/cli.ts';
import { guestUnavailableReason, testGuest, type TestGuest } from '../helpers/guest.ts';
import { haveSignify, makeKey, Mirror, publish, type TestKey } from '../helpers/mirror.ts';
import { buildStandIn, haveMtools, STANDIN_BANNER } from '../helpers/standin.ts';

const box = new Sandbox('otc');
box.env.XDG_CACHE_HOME = join(box.dir, 'cache');
let guest: TestGuest | null = null;
let work: string;
let mirror: Mirror;
let key: TestKey;
let missing = '';

before(async () => {
	guest = await testGuest();
	if (!guest) missing = guestUnavailableReason();
	else if (!haveSignify()) missing = 'signify-openbsd is not installed';
	else if (!haveMtools()) missing = 'mtools/dosfstools are not installed (apt-get install mtools dosfstools)';
	else if (spawnSync('qemu-img', ['--version'], { stdio: 'ignore' }).error) missing = 'qemu-img is not installed';
	if (missing) return;
	work = mkdtempSync('/tmp/ot-create-');
	key = makeKey(join(work, 'keys'), 'test-79');
	const img = join(work, 'standin.img');
	buildStandIn(guest as TestGuest, img, `${(guest as TestGuest).append} obsdtui.ip=10.0.2.15/24`);
	publish(join(work, 'www'), '7.9', 'arm64', { 'miniroot79.img': readFileSync(img), 'base79.tgz': BASE_SET }, key);
	mirror = new Mirror(join(work, 'www'));
	await mirror.start();
});

after(async () => {
	box.cleanup();
	if (mirror) await mirror.stop();
	if (work) rmSync(work, { recursive: true, force: true });
});

const HANG_GUARD = 420_000;
// A stand-in install set: its bytes only have to arrive intact.
const BASE_SET = randomBytes(300 * 1024 + 7);

function create(name: string, ...extra: string[]) {
	return box.run(['create', name, '--from', '7.9', '--mirror', mirror.url, '--key', key.pub, '--disk-size', '1G', '--mem', '512', '--cpus', '1', ...extra], { timeoutMs: 120_000 });
}

test('create makes a disk and a spec; up boots the media the mirror served', { timeout: HANG_GUARD }, async (t) => {
	if (missing) return t.skip(missing);
	const r = await create('c1');
	assert.equal(r.code, 0, r.stderr);
	assert.match(r.stdout, /^c1: created \(qemu\), disk \S+\/disk\.qcow2, media \S+\/images\/7\.9\/arm64\/miniroot79\.img\nstart it with: obsdtui up c1\n$/);
	const spec = JSON.parse(readFileSync(join(box.vmDir('c1'), 'spec.json'), 'utf8'));
	const media = join(box.dir, 'cache', 'obsdtui', 'images', '7.9', 'arm64', 'miniroot79.img');
	// The VM's own disk first (blank: the firmware falls through), the media second, read-only.
	assert.deepEqual(spec.disks, [
		{ path: join(box.vmDir('c1'), 'disk.qcow2'), format: 'qcow2', readonly: false },
		{ path: media, format: 'raw', readonly: true },
	]);
	assert.equal(spec.efi, true);
	const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(box.vmDir('c1'), 'disk.qcow2')], { encoding: 'utf8' }));
	assert.equal(info.format, 'qcow2');
	assert.equal(info['virtual-size'], 1024 ** 3);
	// A second create of the same name is refused; ls knows the VM before it ever ran.
	const again = await create('c1');
	assert.equal(again.code, 1);
	assert.match(again.stderr, /^obsdtui: a VM named 'c1' exists already/);
	assert.match(await box.ok(['ls']), /^c1\s+qemu\s+created\b/m);

	await box.ok(['up', 'c1']);
	await box.ok(['wait', 'c1', '--for', 'OBSDTUI-GUEST: ready', '--timeout', '360'], { timeoutMs: 380_000 });
	const log = await box.ok(['log', 'c1']);
	assert.ok(log.includes(STANDIN_BANNER), 'the stand-in did not boot');
	assert.match(log, /EFI stub: Loaded initrd from command line option/);
	await box.ok(['down', 'c1', '--force']);
});

test('--autoinstall: the response file reaches the guest at 10.0.2.100, with no host TCP port', { timeout: HANG_GUARD }, async (t) => {
	if (missing) return t.skip(missing);
	const sshKey = join(work, 'id_ed25519.pub');
	writeFileSync(sshKey, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl puffy@example\n');
	// A set in the cache, served to the installer instead of the mirror's.
	await box.ok(['image', 'fetch', '7.9', '--file', 'base79.tgz', '--mirror', mirror.url, '--key', key.pub]);
	const r = await create('c2', '--autoinstall', '--hostname', 'puffy', '--root-ssh-key', sshKey, '--timezone', 'Europe/Berlin', '--sets-from-cache');
	assert.equal(r.code, 0, r.stderr);
	const conf = join(box.vmDir('c2'), 'install.conf');
	assert.match(r.stdout, /response file \S+install\.conf \(served at http:\/\/10\.0\.2\.100\/install\.conf\)/);
	const text = readFileSync(conf, 'utf8');
	assert.match(text, /^System hostname = puffy$/m);
	assert.match(text, /^Public ssh key for root account = ssh-ed25519 AAAAC3Nza\S+ puffy@example$/m);
	assert.match(text, /^What timezone are you in = Europe\/Berlin$/m);
	assert.match(text, /^HTTP Server = 10\.0\.2\.100$/m);
	assert.match(text, /^Server directory = sets$/m);

	await box.ok(['up', 'c2']);
	assert.ok(existsSync(join(box.vmDir('c2'), 'autoinstall.sock')), 'the daemon is not serving the response file');
	await box.ok(['wait', 'c2', '--for', 'OBSDTUI-GUEST: ready', '--timeout', '360'], { timeoutMs: 380_000 });
	await box.ok(['send', 'c2', 'wget -q -O - http://10.0.2.100/install.conf; echo "AI-END rc=$?"']);
	await box.ok(['wait', 'c2', '--for', 'AI-END rc=\\d', '--timeout', '120'], { timeoutMs: 140_000 });
	const log = await box.ok(['log', 'c2']);
	const printed = log.slice(log.lastIndexOf('wget -q -O -'));
	assert.match(printed, /AI-END rc=0/);
	for (const line of text.trimEnd().split('\n')) assert.ok(printed.includes(line), `the guest did not print: ${line}`);
	// Anything else the guest asks for is not there.
	await box.ok(['send', 'c2', 'wget -q -O - http://10.0.2.100/etc/passwd; echo "AI-404 rc=$?"']);
	await box.ok(['wait', 'c2', '--for', 'AI-404 rc=\\d', '--timeout', '120'], { timeoutMs: 140_000 });
	assert.match(await box.ok(['log', 'c2']), /AI-404 rc=1/);
	assert.match(await box.ok(['log', 'c2', '--audit']), /autoinstall: GET \/install\.conf 200/);

	// The cached set, through the same socket, intact; the index names what is cached.
	await box.ok(['send', 'c2', 'wget -q -O - http://10.0.2.100/sets/base79.tgz | sha256sum; wget -q -O - http://10.0.2.100/sets/index.txt; echo "SETS-END"']);
	await box.ok(['wait', 'c2', '--for', 'SETS-END\\r?\\n', '--timeout', '120'], { timeoutMs: 140_000 });
	const sets = (await box.ok(['log', 'c2'])).split('index.txt; echo "SETS-END"').at(-1) as string;
	assert.match(sets, new RegExp(`^${createHash('sha256').update(BASE_SET).digest('hex')}  -\\r?$`, 'm'));
	assert.match(sets, new RegExp(`^-rw-r--r--  1 0  0  ${BASE_SET.length} Jan  1 00:00 base79\\.tgz\\r?$`, 'm'));
	assert.match(sets, /^-rw-r--r--  1 0  0  \d+ Jan  1 00:00 miniroot79\.img\r?$/m);

	// An installer STAND-IN in the real guest: OpenBSD's two questions, answered by the
	// daemon. (\040: the echo of this command line must not itself end like a prompt.)
	await box.ok(['send', 'c2', "printf '(I)nstall, (U)pgrade, (A)utoinstall or (S)hell?\\040'; read m; echo \"mode=$m\"; printf 'Response file location? [http://10.0.2.2/install.conf]\\040'; read u; wget -q -O - \"$u\" | sed 's/^/GOT: /'; echo \"AI-STANDIN-END\""]);
	await box.ok(['wait', 'c2', '--for', 'AI-STANDIN-END\\r?\\n', '--timeout', '120'], { timeoutMs: 140_000 });
	const installer = (await box.ok(['log', 'c2'])).split('(A)utoinstall or (S)hell? ').at(-1) as string;
	assert.match(installer, /^a\r?\nmode=a\r?\n/);
	assert.match(installer, /Response file location\? \[http:\/\/10\.0\.2\.2\/install\.conf\] http:\/\/10\.0\.2\.100\/install\.conf\r?\n/);
	assert.match(installer, /^GOT: System hostname = puffy\r?$/m);
	const audit = await box.ok(['log', 'c2', '--audit']);
	assert.match(audit, /autoinstall: typed 'a' at the installer's install mode prompt/);
	assert.match(audit, /autoinstall: typed 'http:\/\/10\.0\.2\.100\/install\.conf' at the installer's response file location prompt/);

	// No listening TCP socket belongs to the daemon, the helper or QEMU.
	const helper = Number(readFileSync(join(box.vmDir('c2'), 'helper.pid'), 'utf8'));
	const qemu = spawnSync('pgrep', ['-P', String(helper)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
	const ours = [box.daemonPid(), helper, ...qemu].filter((p): p is number => typeof p === 'number' && p > 0);
	assert.ok(qemu.length > 0, 'QEMU is not running under the helper');
	const ss = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
	const listening = ss.split('\n').filter((l) => ours.some((p) => l.includes(`pid=${p},`)));
	assert.deepEqual(listening, [], `listening on a host TCP port:\n${listening.join('\n')}`);
	await box.ok(['down', 'c2', '--force']);
});

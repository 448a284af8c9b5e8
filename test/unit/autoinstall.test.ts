// The autoinstall(8) response file obsdtui writes, the HTTP side that hands it to a hostile
// guest, the spec and QEMU argv that route 10.0.2.100:80 to a unix socket, and create's sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpResponse, indexText, installerAnswer, isResponsePath, MAX_LOCATION_ANSWERS, MAX_REQUEST_HEAD, RequestSplitter, responseFile, setsFile, setsLocation } from '../../src/image/autoinstall.ts';
import { makeKey } from '../helpers/mirror.ts';
import { parseSize } from '../../src/image/create.ts';
import { parseSpec } from '../../src/common/spec.ts';
import { qemuArgv } from '../../src/helper/qemu.ts';
import { AutoinstallServer } from '../../src/daemon/autoinstall.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host';
const HASH = '$2b$10$' + 'a'.repeat(53);

test('a response file from flags: the installer\'s questions, one per line', () => {
	assert.equal(
		responseFile({ hostname: 'puffy', rootSshKey: KEY, timezone: 'Europe/Berlin', sets: '-game* -x*', setsServer: 'cdn.openbsd.org', setsDirectory: 'pub/OpenBSD/7.9/arm64' }),
		[
			'System hostname = puffy',
			// install.sub takes 13 stars as "no password": root logs in with the key only.
			'Password for root account = *************',
			`Public ssh key for root account = ${KEY}`,
			'Allow root ssh login = prohibit-password',
			'Start sshd(8) by default = yes',
			'Setup a user = no',
			'What timezone are you in = Europe/Berlin',
			'Use (A)uto layout, (E)dit auto layout, or create (C)ustom layout = a',
			'Location of sets = http',
			'HTTP Server = cdn.openbsd.org',
			'Server directory = pub/OpenBSD/7.9/arm64',
			'Set name(s) = -game* -x*',
			'',
		].join('\n'),
	);
	assert.match(responseFile({ hostname: 'h', rootPasswordHash: HASH }), /^Password for root account = \$2b\$10\$a{53}$/m);
	assert.deepEqual(setsLocation('https://cdn.openbsd.org/pub/OpenBSD/', '7.9', 'arm64'), { server: 'cdn.openbsd.org', directory: 'pub/OpenBSD/7.9/arm64' });
});

test('a response file refuses what would break the install or leak a password', () => {
	assert.throws(() => responseFile({ hostname: 'h' }), /needs a root password hash .* or an SSH public key/);
	assert.throws(() => responseFile({ hostname: 'h', rootPasswordHash: 'hunter2' }), /bcrypt hash .* not in clear/);
	assert.throws(() => responseFile({ hostname: 'a b', rootSshKey: KEY }), /not a short host name/);
	assert.throws(() => responseFile({ hostname: 'h', rootSshKey: `${KEY}\nSystem hostname = evil` }), /one OpenSSH public key line/);
	assert.throws(() => responseFile({ hostname: 'h', rootSshKey: KEY, timezone: '../etc' }), /not like Europe\/Berlin/);
	assert.throws(() => responseFile({ hostname: 'h', rootSshKey: KEY, sets: 'x\ny' }), /one line/);
});

test('request heads split out of one stream of several connections, hostile input capped', () => {
	const s = new RequestSplitter();
	assert.deepEqual(s.push(Buffer.from('GET /install.conf HTTP/1.1\r\nHost: 10.0.2.100\r\n')), []);
	assert.deepEqual(s.push(Buffer.from('\r\nGET /52:54:00:12:34:56-install.conf HTTP/1.0\r\n\r\nBREW /pot HTCPCP/1.0\r\n\r\n')), [
		{ method: 'GET', path: '/install.conf' },
		{ method: 'GET', path: '/52:54:00:12:34:56-install.conf' },
		'bad',
	]);
	assert.equal(new RequestSplitter().push(Buffer.alloc(MAX_REQUEST_HEAD + 1, 0x41)), 'overflow');
	assert.equal(isResponsePath('/install.conf'), true);
	assert.equal(isResponsePath('/52:54:00:12:34:56-install.conf'), true);
	assert.equal(isResponsePath('/upgrade.conf'), false);
	assert.equal(isResponsePath('/../install.conf'), false);
	assert.equal(httpResponse(200, Buffer.from('abc')).toString(), 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
	assert.equal(httpResponse(404, Buffer.from('not found\n'), true).toString().endsWith('Content-Length: 10\r\nConnection: close\r\n\r\n'), true);
});

test('the daemon side answers install.conf on its unix socket and 404 for anything else', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'ot-ai-'));
	try {
		writeFileSync(join(dir, 'install.conf'), 'System hostname = puffy\n');
		const server = new AutoinstallServer(join(dir, 'autoinstall.sock'), join(dir, 'install.conf'));
		await server.listen();
		const sock = createConnection(join(dir, 'autoinstall.sock'));
		let got = '';
		sock.on('data', (d) => (got += d));
		// Two requests on one stream, as QEMU's guestfwd delivers consecutive connections.
		sock.write('GET /install.conf HTTP/1.1\r\nHost: x\r\n\r\nGET /etc/passwd HTTP/1.1\r\n\r\n');
		const deadline = Date.now() + 10_000;
		while (!got.includes('not found\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		sock.destroy();
		server.close();
		assert.equal(got, `${httpResponse(200, Buffer.from('System hostname = puffy\n'))}${httpResponse(404, Buffer.from('not found\n'))}`);
		assert.deepEqual(server.served, ['GET /install.conf 200', 'GET /etc/passwd 404']);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('spec and QEMU argv: 10.0.2.100:80 goes to the VM\'s unix socket, only on a qemu user network', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'ot-ai-argv-'));
	try {
		const disk = join(dir, 'disk.qcow2');
		writeFileSync(disk, 'x');
		const qemu = join(dir, 'qemu-system-aarch64');
		writeFileSync(qemu, '', { mode: 0o755 });
		const fw = join(dir, 'fw.fd');
		writeFileSync(fw, 'x');
		const spec = parseSpec({ name: 'a1', disks: [disk], efi: fw, autoinstall: join(dir, 'install.conf'), net: { mac: '52:54:00:12:34:56' } });
		const argv = await qemuArgv(spec, join(dir, 'vm'), { env: { OBSDTUI_QEMU: qemu, PATH: '' }, host: { platform: 'linux', arch: 'x64', kvmUsable: false } });
		const netdev = argv[argv.indexOf('-netdev') + 1];
		assert.equal(netdev, `user,id=n0,guestfwd=tcp:10.0.2.100:80-unix:${join(dir, 'vm', 'autoinstall.sock')},,reconnect=1`);
		assert.throws(() => parseSpec({ name: 'a1', disks: [disk], autoinstall: 'x', net: { mode: 'observe' } }), /'autoinstall' needs the qemu backend with the user network/);
		assert.throws(() => parseSpec({ name: 'a1', backend: 'apple', disks: [disk], autoinstall: 'x' }), /'autoinstall' needs the qemu backend/);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('disk sizes', () => {
	assert.equal(parseSize('20G'), 20 * 2 ** 30);
	assert.equal(parseSize('512M'), 512 * 2 ** 20);
	assert.equal(parseSize('1.5T'), 1.5 * 2 ** 40);
	assert.equal(parseSize('2GiB'), 2 * 2 ** 30);
	assert.throws(() => parseSize('20'), /must look like 20G/);
	assert.throws(() => parseSize('100M'), /outside 512M\.\.64T/);
	assert.throws(() => parseSize('-1G'), /must look like/);
});

test('the installer prompts an unattended install answers, and only those', () => {
	// The real 7.4 arm64 installer boot; the transcript as saved ends the prompt line with a
	// newline the live console does not have (the installer waits after "? ").
	const boot = readFileSync(new URL('../fixtures/openbsd/arm64-qemu-virt-7.4-installer-boot.txt', import.meta.url), 'utf8').replace(/\n$/, '');
	assert.deepEqual(installerAnswer(boot, 0), { prompt: 'install mode', answer: 'a' });
	// Once answered, the same text (now followed by the echo) asks nothing.
	assert.equal(installerAnswer(`${boot}a\r\n`, 0), undefined);
	assert.equal(installerAnswer(boot.slice(0, -1), 0), undefined, 'not until the prompt is complete');
	assert.equal(installerAnswer('Welcome to the OpenBSD/arm64 7.4 installation program.\n', 0), undefined);
	// The location question (install.sub asks it when DHCP's server has no response file).
	const where = 'Could not determine auto mode.\nResponse file location? [http://10.0.2.2/install.conf] ';
	assert.deepEqual(installerAnswer(where, 0), { prompt: 'response file location', answer: 'http://10.0.2.100/install.conf' });
	assert.deepEqual(installerAnswer('Response file location? ', 0)?.answer, 'http://10.0.2.100/install.conf');
	assert.equal(installerAnswer(where, MAX_LOCATION_ANSWERS), undefined, 'a failing fetch is left to a person');
	// Other questions are the response file's business, and shell lines are never answered.
	assert.equal(installerAnswer('System hostname? (short form, e.g. \'foo\') ', 0), undefined);
	assert.equal(installerAnswer("# printf '(I)nstall, (U)pgrade, (A)utoinstall or (S)hell?\\040'", 0), undefined);
});

test('cached sets: only names the signed list has, streamed in request order', async () => {
	assert.equal(setsFile('/sets/base79.tgz'), 'base79.tgz');
	for (const bad of ['/sets/../SHA256.sig', '/sets/', '/sets/.hidden', '/sets/a/b', '/sets/base79.tgz.0123.part', '/base79.tgz']) assert.equal(setsFile(bad), undefined, bad);
	assert.equal(indexText([{ name: 'bsd', size: 12 }]), '-rw-r--r--  1 0  0  12 Jan  1 00:00 bsd\n');

	const dir = mkdtempSync(join(tmpdir(), 'ot-sets-'));
	try {
		const big = randomBytes(2 * 1024 * 1024 + 3);
		writeFileSync(join(dir, 'base79.tgz'), big);
		writeFileSync(join(dir, 'bsd'), 'kernel\n');
		writeFileSync(join(dir, 'unlisted'), 'not in the signed list\n');
		writeFileSync(join(dir, 'comp79.tgz.0123456789abcdef.part'), 'half\n');
		// man79.tgz is listed but not cached; unlisted and the .part are cached but not listed.
		writeFileSync(join(dir, 'SHA256'), `${execFileSync('sha256sum', ['--tag', 'base79.tgz', 'bsd'], { cwd: dir, encoding: 'utf8' })}SHA256 (man79.tgz) = ${'0'.repeat(64)}\n`);
		const k = makeKey(join(dir, 'k'), 'k');
		execFileSync('signify-openbsd', ['-S', '-e', '-s', k.sec, '-m', join(dir, 'SHA256'), '-x', join(dir, 'SHA256.sig')]);
		writeFileSync(join(dir, 'install.conf'), 'System hostname = h\n');
		const server = new AutoinstallServer(join(dir, 'ai.sock'), join(dir, 'install.conf'), undefined, dir);
		await server.listen();
		const sock = createConnection(join(dir, 'ai.sock'));
		const chunks: Buffer[] = [];
		sock.on('data', (d: Buffer) => chunks.push(d));
		const reqs = ['/sets/base79.tgz', '/install.conf', '/sets/index.txt', '/sets/unlisted', '/sets/man79.tgz', '/sets/comp79.tgz.0123456789abcdef.part', '/sets/SHA256.sig'];
		sock.write(reqs.map((p) => `GET ${p} HTTP/1.1\r\n\r\n`).join(''));
		const sig = readFileSync(join(dir, 'SHA256.sig'));
		const index = indexText([{ name: 'base79.tgz', size: big.length }, { name: 'bsd', size: 7 }]);
		const expected = Buffer.concat([
			httpResponse(200, big),
			httpResponse(200, Buffer.from('System hostname = h\n')),
			httpResponse(200, Buffer.from(index)),
			httpResponse(404, Buffer.from('not found\n')),
			httpResponse(404, Buffer.from('not found\n')),
			httpResponse(404, Buffer.from('not found\n')),
			httpResponse(200, sig),
		]);
		const deadline = Date.now() + 30_000;
		while (Buffer.concat(chunks).length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
		sock.destroy();
		server.close();
		assert.ok(Buffer.concat(chunks).equals(expected), 'responses differ from the expected bytes, or their order');
		assert.deepEqual(server.served.map((l) => l.split(' ').at(-1)), ['200', '200', '200', '404', '404', '404', '200']);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

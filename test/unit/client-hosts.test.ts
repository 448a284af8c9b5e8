// Naming hosts (src/client/hosts.ts) and the ssh command line built from them
// (src/client/ssh.ts): pure functions over strings and a hosts file in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTarget, readHostsFile, resolveHost, splitCommandLine, splitVmArg } from '../../src/client/hosts.ts';
import { sshArgv, sshFailure } from '../../src/client/ssh.ts';
import { UserError } from '../../src/common/errors.ts';

test('targets: [user@]host[:port] and aliases; anything that could pass an ssh option is refused', () => {
	assert.deepEqual(parseTarget('mini'), { name: 'mini', dest: 'mini' });
	assert.deepEqual(parseTarget('alice@mini.lan:2222'), { name: 'alice@mini.lan:2222', dest: 'alice@mini.lan', port: 2222 });
	assert.deepEqual(parseTarget('10.200.1.2:22'), { name: '10.200.1.2:22', dest: '10.200.1.2', port: 22 });
	for (const bad of ['-oProxyCommand=x', 'a b', 'host:0', 'host:70000', 'user@', '', 'h;rm']) {
		assert.throws(() => parseTarget(bad), UserError, bad);
	}
});

test('HOST:VM splits at the last colon; a plain VM name has no host', () => {
	assert.deepEqual(splitVmArg('vm1'), { vm: 'vm1' });
	assert.deepEqual(splitVmArg('mini:vm1'), { host: 'mini', vm: 'vm1' });
	assert.deepEqual(splitVmArg('alice@mini:2222:vm1'), { host: 'alice@mini:2222', vm: 'vm1' });
	assert.throws(() => splitVmArg(':vm1'), /nothing before ':'/);
	assert.throws(() => splitVmArg('mini:bad/name'), /invalid VM name/);
});

test('the hosts file: name target [options], comments, and one-line errors with file:line', () => {
	const dir = mkdtempSync('/tmp/oth-');
	const path = join(dir, 'hosts');
	writeFileSync(path, ['# my machines', 'mini   alice@mini.lan   obsdtui=/opt/bin/obsdtui', '', 'build  build:2222  timeout=5  # the box', '\tlab lab'].join('\n'));
	const hosts = readHostsFile(path);
	assert.deepEqual(hosts, [
		{ name: 'mini', dest: 'alice@mini.lan', remoteCommand: '/opt/bin/obsdtui' },
		{ name: 'build', dest: 'build', port: 2222, timeoutS: 5 },
		{ name: 'lab', dest: 'lab' },
	]);
	assert.equal(resolveHost('build', hosts)?.port, 2222);
	assert.deepEqual(resolveHost('other:23', hosts), { name: 'other:23', dest: 'other', port: 23 });
	assert.equal(resolveHost('local', hosts), undefined);
	writeFileSync(path, 'mini\n');
	assert.throws(() => readHostsFile(path), new RegExp(`^UserError: ${path}:1: expected 'name target \\[options\\]'$`));
	writeFileSync(path, 'a a\nb b colour=red\n');
	assert.throws(() => readHostsFile(path), /hosts:2: unknown option "colour=red"/);
	writeFileSync(path, 'a a\na b\n');
	assert.throws(() => readHostsFile(path), /hosts:2: host a is listed twice/);
	writeFileSync(path, 'local x\n');
	assert.throws(() => readHostsFile(path), /invalid host name "local"/);
	assert.deepEqual(readHostsFile(join(dir, 'none')), []);
});

test('OBSDTUI_SSH is split like a shell would: whitespace, quotes, backslashes', () => {
	assert.deepEqual(splitCommandLine('ssh'), ['ssh']);
	assert.deepEqual(splitCommandLine("  ssh -i '/tmp/my key' -o \"UserKnownHostsFile=/a b\"  -v "), ['ssh', '-i', '/tmp/my key', '-o', 'UserKnownHostsFile=/a b', '-v']);
	assert.deepEqual(splitCommandLine('a\\ b "x\\"y" \'\''), ['a b', 'x"y', '']);
	assert.throws(() => splitCommandLine("ssh -i 'x"), /unterminated '/);
	assert.throws(() => splitCommandLine('ssh -i "x'), /unterminated "/);
});

test('the ssh command line: the user\'s words first, connection sharing in the runtime dir, the proxy last', () => {
	const saved = { ...process.env };
	try {
		process.env.OBSDTUI_SSH = "ssh -i '/k ey'";
		process.env.OBSDTUI_RUNTIME_DIR = '/tmp/rt';
		process.env.OBSDTUI_REMOTE_OBSDTUI = '/opt/obsdtui';
		const argv = sshArgv({ name: 'b', dest: 'bob@b', port: 2200 });
		assert.deepEqual(argv.slice(0, 4), ['ssh', '-i', '/k ey', '-T']);
		assert.ok(argv.includes('ControlPath=/tmp/rt/ssh-%C'));
		assert.ok(argv.includes('ControlMaster=auto') && argv.includes('ControlPersist=60'));
		assert.deepEqual(argv.slice(-7), ['-p', '2200', '--', 'bob@b', '/opt/obsdtui', 'daemon', 'proxy']);
		assert.deepEqual(sshArgv({ name: 'c', dest: 'c', remoteCommand: '/x/obsdtui' }).slice(-4), ['c', '/x/obsdtui', 'daemon', 'proxy']);
	} finally {
		process.env = saved;
	}
});

test('ssh failures become one line naming the cause', () => {
	assert.match(sshFailure('b', 127, 'bash: line 1: obsdtui: command not found\n'), /^b: no obsdtui there .*command not found.*OBSDTUI_REMOTE_OBSDTUI/);
	assert.match(sshFailure('b', 255, 'root@10.200.2.2: Permission denied (publickey).\n'), /^b: ssh authentication failed: root@10.200.2.2: Permission denied \(publickey\)\.$/);
	assert.match(sshFailure('b', 255, 'ssh: connect to host 10.9.9.9 port 22: Connection refused\n'), /^b: unreachable: ssh: connect to host/);
	assert.match(sshFailure('b', 255, 'ssh: Could not resolve hostname nope: Name or service not known\n'), /^b: unreachable:/);
	assert.match(sshFailure('b', 255, 'Host key verification failed.\n'), /^b: ssh refused the host key/);
	assert.equal(sshFailure('b', 1, ''), 'b: obsdtui daemon proxy failed (exit 1)');
	for (const m of [sshFailure('b', 255, 'x\ny\n'), sshFailure('b', 127, '')]) assert.doesNotMatch(m, /\n/);
});

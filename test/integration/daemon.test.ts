// The daemon, the real native helper and the real CLI, with exec sources (a command's
// stdio as the console). QEMU guests are covered in test/e2e/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Sandbox, until, sleep, ROOT } from '../helpers/cli.ts';
import { encodeFrame, encodeJson, FrameDecoder, parseJsonPayload } from '../../src/common/frame.ts';
import { pythonRandomBytes } from '../helpers/pyrandom.ts';

const box = new Sandbox('otd');
after(() => box.cleanup());

function vmInfo(ls: string, name: string): Record<string, unknown> | undefined {
	const vms = (JSON.parse(ls) as { vms: Record<string, unknown>[] }).vms;
	return vms.find((v) => v.name === name);
}

test('up, ls --json, send, wait, log, down with an exec console', async () => {
	// A tiny "guest": a shell loop that answers each line it reads.
	await box.ok(['up', 'e1', '--exec', 'echo booted; while read l; do echo "got:$l"; done']);
	const info = vmInfo(await box.ok(['ls', '--json']), 'e1');
	assert.equal(info?.state, 'running');
	assert.equal(info?.backend, 'exec');
	assert.equal((await box.ok(['wait', 'e1', '--for', 'booted', '--timeout', '20'])).trim(), 'booted');
	await box.ok(['send', 'e1', 'hello world']);
	assert.match(await box.ok(['wait', 'e1', '--for', 'got:hello world', '--timeout', '20']), /got:hello world/);
	const log = await box.ok(['log', 'e1']);
	assert.match(log, /booted\r?\n/);
	assert.match(log, /got:hello world/);
	const down = await box.ok(['down', 'e1', '--timeout', '5']);
	assert.match(down, /e1: stopped/);
	assert.equal(vmInfo(await box.ok(['ls', '--json']), 'e1')?.state, 'exited');
});

test('wait times out with one line and exit 1; unknown VM and bad pattern are one-line errors', async () => {
	await box.ok(['up', 'e2', '--exec', 'echo quiet; sleep 30']);
	const r = await box.run(['wait', 'e2', '--for', 'never-printed', '--timeout', '1']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /^obsdtui: e2: timed out after 1 s waiting for \/never-printed\/\n$/);
	const u = await box.run(['wait', 'nosuch', '--for', 'x']);
	assert.equal(u.code, 1);
	assert.match(u.stderr, /^obsdtui: no VM named 'nosuch'/);
	assert.equal(u.stderr.split('\n').length, 2);
	const b = await box.run(['wait', 'e2', '--for', '(']);
	assert.notEqual(b.code, 0);
	assert.match(b.stderr, /^obsdtui: bad --for pattern/);
	await box.ok(['down', 'e2', '--force']);
});

test('malformed VM specs: one clear line, non-zero exit, daemon unaffected', async () => {
	const bad = join(box.dir, 'bad.json');
	writeFileSync(bad, '{"kernel": "/k", "cpus": "two"}');
	let r = await box.run(['up', 'b1', '--spec', bad]);
	assert.equal(r.code, 1);
	assert.equal(r.stderr, `obsdtui: ${bad}: 'cpus' must be a whole number from 1 to 64, not "two"\n`);
	writeFileSync(bad, '{"kernel": ');
	r = await box.run(['up', 'b1', '--spec', bad]);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /^obsdtui: VM spec .* is not valid JSON/);
	assert.doesNotMatch(r.stderr, /\n.+/);
	r = await box.run(['up', 'b1', '--kernel', '/nonexistent/Image']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /^obsdtui: .*\/nonexistent\/Image/);
	assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
	await box.ok(['daemon', 'status']);
});

function rawRequest(socketPath: string, frames: Buffer[]): Promise<{ replies: Record<string, unknown>[]; closed: boolean }> {
	return new Promise((resolve) => {
		const s = connect(socketPath);
		const dec = new FrameDecoder();
		const replies: Record<string, unknown>[] = [];
		let closed = false;
		s.on('data', (d) => {
			for (const f of dec.push(d)) replies.push(parseJsonPayload(f.payload));
		});
		s.on('close', () => {
			closed = true;
		});
		s.on('error', () => {});
		s.on('connect', () => {
			for (const f of frames) s.write(f);
		});
		setTimeout(() => {
			s.destroy();
			resolve({ replies, closed });
		}, 1000);
	});
}

test('malformed client messages get errors; the daemon survives them', async () => {
	await box.ok(['daemon', 'status']);
	const sock = join(box.dir, 'run', 'daemon.sock');
	// Bad JSON and an unknown op: error replies, connection stays open.
	let r = await rawRequest(sock, [encodeFrame(0x4a, '{nope'), encodeJson({ id: 7, op: 'frobnicate' }), encodeJson({ id: 8, op: 'attach' })]);
	assert.deepEqual(r.replies[0], { ok: false, error: 'malformed JSON in frame' });
	assert.deepEqual(r.replies[1], { id: 7, ok: false, error: 'unknown op "frobnicate"' });
	assert.deepEqual(r.replies[2], { id: 8, ok: false, error: "'name' must be a non-empty string" });
	assert.equal(r.closed, false);
	// Garbage framing: an error event, then the daemon hangs up on that client only.
	r = await rawRequest(sock, [Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
	assert.equal(r.replies.length, 1);
	assert.match(String(r.replies[0].error), /^protocol error: /);
	assert.equal(r.closed, true);
	// A frame claiming to be huge.
	const huge = Buffer.alloc(5);
	huge.writeUInt32BE(0xfffffff0, 0);
	huge[4] = 0x4a;
	r = await rawRequest(sock, [huge]);
	assert.match(String(r.replies[0].error), /exceeds/);
	assert.match(await box.ok(['daemon', 'status']), /daemon: running/);
});

test('daemon killed with SIGKILL mid-output: the log keeps every line once and a new daemon re-adopts the VM', async () => {
	const N = 3000;
	// Prints N numbered lines over ~3 s, then stays up so the new daemon finds it running.
	await box.ok(['up', 'k1', '--exec', `i=1; while [ $i -le ${N} ]; do printf 'line %06d\\n' $i; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.1; done; echo ALLDONE; sleep 600`]);
	await box.ok(['wait', 'k1', '--for', 'line 000200', '--timeout', '30']);
	const pid = box.daemonPid();
	assert.ok(pid);
	process.kill(pid!, 'SIGKILL');
	// The guest keeps printing with no daemon at all.
	const logPath = join(box.vmDir('k1'), 'boot.001.log');
	await until(() => readFileSync(logPath, 'utf8').includes('ALLDONE'), 'the guest to finish printing without a daemon');
	// Any command starts a new daemon, which adopts the still-running VM.
	const info = vmInfo(await box.ok(['ls', '--json']), 'k1');
	assert.notEqual(box.daemonPid(), pid);
	assert.equal(info?.state, 'running');
	assert.match(await box.ok(['wait', 'k1', '--for', 'ALLDONE', '--timeout', '10']), /ALLDONE/);
	const lines = readFileSync(logPath, 'utf8').split(/\r?\n/).filter((l) => l.startsWith('line '));
	assert.equal(lines.length, N);
	for (let i = 0; i < N; i++) assert.equal(lines[i], `line ${String(i + 1).padStart(6, '0')}`);
	// The log command (no daemon involved) agrees with the file.
	assert.equal((await box.ok(['log', 'k1'])).split(/\r?\n/).filter((l) => l.startsWith('line ')).length, N);
	await box.ok(['down', 'k1', '--timeout', '2']);
});

test('daemon stop leaves VMs running; the next command re-adopts them', async () => {
	await box.ok(['up', 's1', '--exec', 'echo up; sleep 600']);
	await box.ok(['wait', 's1', '--for', 'up']);
	await box.ok(['daemon', 'stop']);
	await until(() => !existsSync(join(box.dir, 'run', 'daemon.sock')), 'the daemon socket to go');
	const helperPid = Number(readFileSync(join(box.vmDir('s1'), 'helper.pid'), 'utf8'));
	assert.doesNotThrow(() => process.kill(helperPid, 0), 'the helper outlives the daemon');
	assert.equal(vmInfo(await box.ok(['ls', '--json']), 's1')?.state, 'running');
	await box.ok(['down', 's1', '--force']);
	await sleep(100);
});

test('a console that goes silent mid-boot is flagged as hung after --hang seconds, and clears when output resumes', async () => {
	// An OpenBSD kernel banner, some autoconf, then silence until the gate file appears.
	const gate = join(box.dir, 'resume-h1');
	await box.ok(['up', 'h1', '--hang', '2', '--exec',
		`printf 'OpenBSD 7.8-current (GENERIC.MP) #12: Mon Jan 19 10:00:00 MST 2026\\n    deraadt@arm64.openbsd.org:/usr/src/sys/arch/arm64/compile/GENERIC.MP\\nmainbus0 at root: linux,dummy-virt\\n'; while [ ! -f ${gate} ]; do sleep 0.1; done; while :; do echo 'cpu0 at mainbus0'; sleep 0.2; done`]);
	const hung = await until(async () => {
		const v = vmInfo(await box.ok(['ls', '--json']), 'h1') as { alerts: string[]; stage?: string } | undefined;
		return v?.alerts.find((a) => a.startsWith('no output for')) ? v : undefined;
	}, 'the hang alert');
	assert.equal(hung.stage, 'autoconf');
	assert.match(hung.alerts.join(), /no output for \d+s in autoconf/);
	assert.match(await box.ok(['ls']), /h1 +exec +running +1 +\S+\/1 +autoconf +0 +no output for \d+s in autoconf/);
	writeFileSync(gate, '');
	// The guest keeps printing once resumed: a guest that went silent again would be
	// flagged again after --hang seconds, which a slow `ls` could then see instead.
	await until(async () => (vmInfo(await box.ok(['ls', '--json']), 'h1')?.alerts as string[] | undefined)?.length === 0, 'the alert to clear');
	await box.ok(['down', 'h1', '--force']);
});

test('usage errors are one line with the detail, exit 2', async () => {
	const r = await box.run(['daemon', 'frob']);
	assert.equal(r.code, 2);
	assert.match(r.stderr, /^obsdtui: Invalid values: Argument: action, Given: "frob", Choices: "status", "stop", "run", "proxy" \(see 'obsdtui --help'\)\n$/);
});

test('rm removes a stopped VM and its files; it refuses a running one and asks without --yes', async () => {
	await box.ok(['up', 'r1', '--exec', 'echo hi; sleep 600']);
	let r = await box.run(['rm', 'r1', '--yes']);
	assert.equal(r.code, 1);
	assert.equal(r.stderr, "obsdtui: r1 is running: 'obsdtui down r1' first\n");
	await box.ok(['down', 'r1', '--force']);
	r = await box.run(['rm', 'r1']);
	assert.equal(r.code, 1);
	assert.match(r.stderr, /^obsdtui: not removing r1 without asking/);
	assert.ok(existsSync(box.vmDir('r1')));
	assert.match(await box.ok(['rm', 'r1', '--yes']), /^r1: removed .*\/vms\/r1\n$/);
	assert.equal(existsSync(box.vmDir('r1')), false);
	assert.equal(vmInfo(await box.ok(['ls', '--json']), 'r1'), undefined);
});

test('rm --keep-logs forgets the VM but keeps its console logs for log; a new up continues the boot numbers', async () => {
	await box.ok(['up', 'keep1', '--exec', 'echo kept-$((6*7)); sleep 600']);
	await box.ok(['wait', 'keep1', '--for', 'kept-42', '--timeout', '60']);
	await box.ok(['down', 'keep1', '--force']);
	assert.match(await box.ok(['rm', 'keep1', '--yes', '--keep-logs']), /^keep1: removed; its console logs stay in .*\/vms\/keep1\n$/);
	assert.equal(vmInfo(await box.ok(['ls', '--json']), 'keep1'), undefined);
	assert.equal(existsSync(join(box.vmDir('keep1'), 'spec.json')), false);
	assert.ok(existsSync(join(box.vmDir('keep1'), 'boot.001.log')));
	assert.ok(existsSync(join(box.vmDir('keep1'), 'boot.001.idx')));
	assert.match(await box.ok(['log', 'keep1']), /kept-42/);
	await box.ok(['up', 'keep1', '--exec', 'echo again; sleep 600']);
	// The new boot is numbered after the kept one, which stays as it was.
	assert.equal(vmInfo(await box.ok(['ls', '--json']), 'keep1')?.boot, 2);
	assert.match(await box.ok(['log', 'keep1', '--boot', '1']), /kept-42/);
	await box.ok(['down', 'keep1', '--force']);
});

test('the timeline compares a boot with the previous up of the same VM, with the times it really had', async () => {
	const transcript = join(ROOT, 'test', 'fixtures', 'openbsd', 'arm64-qemu-virt-7.4-installer-boot.txt');
	// A real OpenBSD/arm64 installer boot, a line every 20 ms, then the console idles.
	const play = `while IFS= read -r l; do printf '%s\\n' "$l"; sleep 0.02; done < ${transcript}; sleep 600`;
	await box.ok(['up', 'tl', '--exec', play]);
	await box.ok(['wait', 'tl', '--for', 'installation program', '--timeout', '60']);
	await box.ok(['down', 'tl', '--force']);
	await box.ok(['up', 'tl', '--exec', play]);
	await box.ok(['wait', 'tl', '--for', 'installation program', '--timeout', '60']);
	process.env.OBSDTUI_RUNTIME_DIR = String(box.env.OBSDTUI_RUNTIME_DIR);
	process.env.OBSDTUI_STATE_DIR = String(box.env.OBSDTUI_STATE_DIR);
	const { connectDaemon } = await import('../../src/client/client.ts');
	const c = await connectDaemon({ autostart: false });
	try {
		type Stage = { name: string; atMs: number };
		const d = await c.request<{ stages: Stage[]; previous: Stage[] | null }>('details', { name: 'tl' });
		const names = (st: Stage[] | null) => (st ?? []).map((s) => s.name);
		// From the transcript: ... 'root on rd0a', then userland ('erase ^?, werase ^W' from the
		// installer's profile), then the installer's question.
		assert.deepEqual(names(d.previous), ['firmware', 'bootloader', 'kernel', 'banner', 'autoconf', 'root', 'userland', 'installer']);
		assert.deepEqual(names(d.stages), names(d.previous));
		// Real arrival times from the index: increasing, and spread over the ~1 s replay.
		const times = d.previous!.map((s) => s.atMs);
		assert.ok(times.every((t, i) => t > 0 && (i === 0 || t >= times[i - 1])), JSON.stringify(times));
		assert.ok(times.at(-1)! > times[0], 'the stages did not all happen at once');
	} finally {
		c.close();
	}
	await box.ok(['down', 'tl', '--force']);
});

test('wait still sees output after line noise (issue 12: python3 random seeds 1, 3-6), and the noise does not flood daemon.log', async () => {
	for (const seed of [1, 3, 4, 5, 6]) {
		const noise = join(box.dir, `noise${seed}`);
		writeFileSync(noise, pythonRandomBytes(seed, 200000));
		const name = `z${seed}`;
		await box.ok(['up', name, '--exec', `cat ${noise}; sleep 1; printf '\\r\\nxx AFTER-1\\r\\n'; cat`]);
		assert.match(await box.ok(['wait', name, '--for', 'AFTER-1', '--timeout', '20']), /AFTER-1/, `seed ${seed}`);
		await box.ok(['send', name, `typed-${seed}`]);
		assert.match(await box.ok(['wait', name, '--for', `typed-${seed}`, '--timeout', '20']), new RegExp(`typed-${seed}`));
		await box.ok(['down', name, '--force']);
	}
	const daemonLog = readFileSync(join(box.dir, 'run', 'daemon.log'), 'utf8');
	assert.doesNotMatch(daemonLog, /Parsing error/);
});

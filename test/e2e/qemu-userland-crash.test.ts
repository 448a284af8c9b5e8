// A shell in the real test guest prints a saved OpenBSD panic log (`cat`): the daemon must
// not take it for a crash of the guest, while `scan` of the same text as a log (no prompts
// around it) does report the crash, and the same text arriving after the prompt (as a
// kernel prints, unasked) does raise the alert. The guest carries the fixture in
// /root/fixtures/ (test/guest/build.mjs).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Sandbox, until } from '../helpers/cli.ts';
import { testGuest, guestUnavailableReason, type TestGuest } from '../helpers/guest.ts';

const FIXTURE = 'amd64-panic-fatal_page_fault-dovutimens.txt';
// What the fixture's own syzkaller report is titled (guest-fixtures.test.ts).
const TITLE = 'uvm_fault: dovutimens';

const box = new Sandbox('otu');
let guest: TestGuest | null = null;

before(async () => {
	guest = await testGuest();
});
after(() => box.cleanup());

interface VmRow {
	name: string;
	stage?: string;
	alerts: string[];
	crash?: string;
}

async function row(name: string): Promise<VmRow> {
	const vms = (JSON.parse(await box.ok(['ls', '--json'])) as { vms: VmRow[] }).vms;
	const v = vms.find((x) => x.name === name);
	assert.ok(v, `${name} is listed`);
	return v;
}

test('cat of a saved panic log at the guest shell raises no crash alert; scan of the text alone reports it', async (t) => {
	if (!guest) return t.skip(guestUnavailableReason());
	const g = guest;
	await box.ok(['up', 'u1', '--kernel', g.kernel, '--initrd', g.initrd, '--append', g.append, '--mem', '512']);
	await box.ok(['wait', 'u1', '--for', '# $', '--timeout', '180'], { timeoutMs: 200000 });
	// The parser takes a prompt left unanswered for the shell stage: from then on it knows commands.
	await until(async () => (await row('u1')).stage === 'shell', 'the shell stage', 60000);

	await box.ok(['send', 'u1', `cat /root/fixtures/${FIXTURE}; echo CAT-$((40+2))`]);
	// Sample the daemon while the text goes by: never an alert.
	for (let i = 0; i < 5; i++) {
		const r = await row('u1');
		assert.equal(r.crash, undefined, 'no crash alert while the text is printed');
	}
	await box.ok(['wait', 'u1', '--for', 'CAT-42\\s+# $', '--timeout', '60']);
	assert.match(await box.ok(['log', 'u1']), /login: uvm_fault\(0xfffff3006cf11200, 0x98, 0, 1\) -> e/, 'the guest printed the panic text');
	// The shell's prompt came back: once it has sat there, the text is decided to be the shell's.
	const settled = await until(
		async () => {
			const r = await row('u1');
			return r.stage === 'shell' ? r : null;
		},
		'the daemon to see the prompt again',
		60000,
	);
	assert.equal(settled.crash, undefined);
	assert.deepEqual(settled.alerts, []);

	// The same text as a saved log, no prompts around it: a crash.
	const scan = JSON.parse(await box.ok(['scan', '--json', join(import.meta.dirname, '..', 'fixtures', 'openbsd', FIXTURE)])) as {
		crashes: { title: string; userland: boolean }[];
	};
	assert.deepEqual(
		scan.crashes.map((c) => [c.title, c.userland]),
		[[TITLE, false]],
	);

	// The same text printed after the prompt, as a kernel prints (no command asked for it, no
	// prompt follows): this is what an alert looks like, so the check above could have failed.
	await box.ok(['send', 'u1', `(sleep 2; cat /root/fixtures/${FIXTURE} > /dev/console) &`]);
	const alerted = await until(
		async () => {
			const r = await row('u1');
			return r.crash ? r : null;
		},
		'the crash alert',
		60000,
	);
	assert.equal(alerted.crash, TITLE);
	assert.ok(alerted.alerts.includes(TITLE));

	await box.ok(['down', 'u1', '--timeout', '3'], { timeoutMs: 60000 });
});

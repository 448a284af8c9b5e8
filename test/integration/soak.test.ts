// Soak: 16 viewers attach to and detach from one console over and over while the guest
// writes, then the daemon must have leaked nothing and lost nothing.
//
// The guest is an exec console (a real helper and pty) printing numbered lines; the
// viewers are the real client (src/client/client.ts) on 16 connections to the real
// daemon, each keeping its own model of the screen as the console command does
// (src/term/screen.ts). 16 viewers x 1,000 cycles each (16,000 attaches, all viewers at
// once; about 40 s here); SOAK_CYCLES sets the total.
//
// Checked after the run, and after the daemon settles (waited for, never timed):
// - the daemon's open descriptors (/proc/PID/fd) are back to what they were after a
//   warm-up round, before the soak;
// - memory: the daemon exposes no forced GC, so RSS (read before, at the half, at the end)
//   is held to a generous bound: at most 96 MiB of growth over the soak (30 to 65 MiB seen
//   here, mostly garbage not yet collected, and it varies from run to run);
// - the daemon never warned of an EventEmitter listener leak (daemon.log). This found a
//   real leak: each attach on a connection that stays open added a 'drain' listener, and
//   with it the viewer, that detach never removed (src/daemon/viewer.ts).
// - the log holds every numbered line exactly once, in order;
// - every viewer, attached one last time while the guest still writes, ends with the
//   screen the daemon has (screen_text).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectDaemon, type DaemonClient } from '../../src/client/client.ts';
import { GuestScreen } from '../../src/term/screen.ts';
import { Sandbox, until } from '../helpers/cli.ts';

const VIEWERS = 16;
const CYCLES = Number(process.env.SOAK_CYCLES ?? 16000);
const PER_VIEWER = Math.ceil(CYCLES / VIEWERS);

const box = new Sandbox('ots');
after(() => box.cleanup());

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** One attach: a fresh screen model fed with the snapshot, then the stream. */
async function attachOnce(client: DaemonClient, mode: 'rw' | 'spy'): Promise<{ screen: GuestScreen; detach: () => Promise<void>; snapshot: Promise<void> }> {
	const session = client.console('soak');
	let screen = new GuestScreen(80, 24, 0);
	let gotSnapshot!: () => void;
	const snapshot = new Promise<void>((r) => (gotSnapshot = r));
	const model = { screen, detach: () => session.detach(), snapshot };
	session.on('snapshot', (ansi: Buffer, info: { cols: number; rows: number }) => {
		screen.dispose();
		screen = new GuestScreen(info.cols, info.rows, 0);
		model.screen = screen;
		screen.write(ansi);
		gotSnapshot();
	});
	session.on('data', (bytes: Buffer) => screen.write(bytes));
	await session.attach(mode);
	return model;
}

test(`soak: ${VIEWERS} viewers, ${PER_VIEWER * VIEWERS} attach/detach cycles in all, while the guest writes`, { timeout: 10 * 60_000 }, async () => {
	const stop = join(box.dir, 'stop');
	// Numbered lines (CR LF: the pty adds nothing) until told to stop, a little at a time so
	// the log stays small; then the count, and the console stays open.
	const writer = `i=0; while [ ! -e ${stop} ]; do i=$((i+1)); printf 'soak %d\\r\\n' $i; if [ $((i % 50)) = 0 ]; then sleep 0.02; fi; done; printf 'soak-end %d\\r\\n' $i; exec sleep 100000`;
	await box.ok(['up', 'soak', '--exec', writer]);
	await box.ok(['wait', 'soak', '--for', 'soak [0-9]', '--timeout', '60']);
	Object.assign(process.env, { OBSDTUI_RUNTIME_DIR: box.env.OBSDTUI_RUNTIME_DIR, OBSDTUI_STATE_DIR: box.env.OBSDTUI_STATE_DIR });
	const pid = box.daemonPid();
	assert.ok(pid, 'the daemon is running');

	const control = await connectDaemon({ autostart: false, who: 'soak-control' });
	const clients = async () => (await control.request<{ clients: number }>('status')).clients;
	const connectViewers = async () => {
		const list: DaemonClient[] = [];
		for (let i = 0; i < VIEWERS; i++) list.push(await connectDaemon({ autostart: false, who: `soak-${i}` }));
		return list;
	};
	const mode = (i: number) => (i === 0 ? 'rw' : 'spy');

	// Warm-up: one round on connections of their own, so that what the first attach sets up
	// for good is not counted; then the baseline, with only the control connection.
	const warm = await connectViewers();
	for (const [i, c] of warm.entries()) {
		const a = await attachOnce(c, mode(i));
		await a.snapshot;
		await a.detach();
	}
	for (const c of warm) c.close();
	await until(async () => (await clients()) === 1 || undefined, 'the daemon to see the warm-up viewers go');
	const fdBefore = fds(pid);
	const rssBefore = (await control.request<{ rss: number }>('status')).rss;
	const viewers = await connectViewers();

	// The soak: every viewer cycles at once; each waits for its snapshot before detaching,
	// so each cycle is a whole attach (snapshot sent) and detach.
	const round = (cycles: number) =>
		Promise.all(
			viewers.map(async (c, i) => {
				for (let k = 0; k < cycles; k++) {
					const a = await attachOnce(c, mode(i));
					await a.snapshot;
					await a.detach();
					a.screen.dispose();
				}
			}),
		);
	// In two halves, to report the RSS at the half too.
	await round(Math.floor(PER_VIEWER / 2));
	const rssHalf = (await control.request<{ rss: number }>('status')).rss;
	await round(PER_VIEWER - Math.floor(PER_VIEWER / 2));
	const rssEnd = (await control.request<{ rss: number }>('status')).rss;

	// The last attach of each viewer, while the guest still writes; then the guest stops.
	const last = await Promise.all(viewers.map((c, i) => attachOnce(c, mode(i))));
	await Promise.all(last.map((a) => a.snapshot));
	writeFileSync(stop, '');
	const end = await until(async () => /soak-end (\d+)/.exec(readFileSync(join(box.vmDir('soak'), 'boot.001.log'), 'latin1')), 'the guest to stop writing', 60_000);
	const total = Number(end[1]);

	// Nothing lost: every line once, in order.
	const log = readFileSync(join(box.vmDir('soak'), 'boot.001.log'), 'latin1');
	const numbers = log
		.split(/\r?\n/)
		.map((l) => /^soak (\d+)$/.exec(l)?.[1])
		.filter((n) => n !== undefined)
		.map(Number);
	assert.equal(numbers.length, total, `${numbers.length} numbered lines in the log, the guest wrote ${total}`);
	assert.ok(
		numbers.every((n, i) => n === i + 1),
		'the numbered lines are 1..N in order',
	);
	assert.ok(total > 100, `the guest wrote only ${total} lines during the soak`);

	// Every viewer ends with the daemon's screen.
	const daemonScreen = await until(async () => {
		const r = await control.request<{ lines: string[] }>('screen_text', { name: 'soak' });
		return r.lines.some((l) => l.startsWith('soak-end')) ? r.lines : undefined;
	}, "soak-end on the daemon's screen");
	for (const [i, a] of last.entries()) {
		await until(async () => {
			await a.screen.flush();
			return a.screen.screenText().some((l) => l.startsWith('soak-end'));
		}, `soak-end on viewer ${i}'s screen`);
		assert.deepEqual(a.screen.screenText(), daemonScreen, `viewer ${i}'s last screen`);
	}

	// No growth: all viewers gone, the daemon back to the descriptors it had.
	for (const a of last) await a.detach();
	for (const c of viewers) c.close();
	await until(async () => (await clients()) === 1 || undefined, 'the daemon to see the viewers go');
	const fdAfter = await until(() => {
		const n = fds(pid);
		return n <= fdBefore ? n : undefined;
	}, `the daemon's descriptors to come back to ${fdBefore} (now ${fds(pid)})`).catch(() => fds(pid));
	assert.ok(fdAfter <= fdBefore, `the daemon has ${fdAfter} descriptors open, ${fdBefore} before the soak`);
	const rssAfter = (await control.request<{ rss: number }>('status')).rss;
	const mib = (n: number) => (n / 1048576).toFixed(1);
	assert.ok(rssAfter - rssBefore < 96 * 1048576, `the daemon's RSS grew by ${mib(rssAfter - rssBefore)} MiB`);
	assert.doesNotMatch(readFileSync(join(box.dir, 'run', 'daemon.log'), 'utf8'), /MaxListenersExceededWarning/);
	assert.equal(box.daemonPid(), pid, 'the same daemon throughout');
	process.stderr.write(`soak: ${PER_VIEWER * VIEWERS} cycles, ${total} lines, fds ${fdBefore} -> ${fdAfter}, rss ${mib(rssBefore)} -> ${mib(rssHalf)} (half) -> ${mib(rssEnd)} (end) -> ${mib(rssAfter)} MiB\n`);
	control.close();
});

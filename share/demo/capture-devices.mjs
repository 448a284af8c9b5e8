// Records the demo's `linux-test-guest`: boots the arm64 Linux test guest (test/guest/) under
// obsdtui with an observe network at MTU 9000 and a 1024x768 virtio-gpu display, makes some
// traffic, and saves what obsdtui reported: the console as asciicast (linux-test-guest.cast)
// and the MTU and framebuffer evidence, as `obsdtui net --json` and `obsdtui screen --json`
// report it plus the thumbnail the TUI asks for (linux-test-guest.devices.json).
//
//   node --import tsx share/demo/capture-devices.mjs      (needs QEMU; about 2 minutes)
//
// It runs its own daemon in private directories: the user's VMs are not touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bin = join(root, 'bin', 'obsdtui.js');
const NAME = 'linux-test-guest';
// Pauses longer than this are cut to it, as `asciinema rec -i` does: TCG boots with long
// silences that a demo need not sit through. The order and content of the bytes are as recorded.
const IDLE_LIMIT = 1.5;

// Short paths: unix socket paths are limited to about 100 bytes.
const box = mkdtempSync('/tmp/odc-');
process.env.OBSDTUI_RUNTIME_DIR = join(box, 'run');
process.env.OBSDTUI_STATE_DIR = join(box, 'state');

function obsdtui(args, timeout = 300_000) {
	const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
	if (r.status !== 0) throw new Error(`obsdtui ${args.join(' ')} failed: ${r.stderr || r.error}`);
	return r.stdout;
}

try {
	const built = spawnSync(process.execPath, [join(root, 'test', 'guest', 'build.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	if (built.status !== 0) throw new Error('the test guest could not be built');
	const guest = JSON.parse(built.stdout);
	const up = ['up', NAME, '--kernel', guest.kernel, '--initrd', guest.initrd, '--mem', '512', '--append', `${guest.append} obsdtui.ip=10.0.2.15/24`, '--net', 'observe,mtu=9000', '--gpu', '1024x768'];
	obsdtui(up);
	obsdtui(['wait', NAME, '--for', 'OBSDTUI-GUEST: ready', '--timeout', '300'], 320_000);
	obsdtui(['wait', NAME, '--for', '# $', '--timeout', '60']);
	// Frames of several sizes on the wire (the helper answers ARP and pings at 10.0.2.1),
	// and some text on the framebuffer's console.
	// The markers are computed by the guest's shell, so the echoed command line never matches.
	obsdtui(['send', NAME, 'ping -c 3 10.0.2.1; ping -c 3 -s 1400 10.0.2.1; ping -c 3 -s 8000 10.0.2.1; echo PINGS-$((1+1))']);
	obsdtui(['wait', NAME, '--for', 'PINGS-2', '--timeout', '120'], 140_000);
	obsdtui(['send', NAME, "echo 'obsdtui demo: virtio-gpu 1024x768, MTU 9000' > /dev/tty1; uname -a; echo SHOWN-$((2+2))"]);
	obsdtui(['wait', NAME, '--for', 'SHOWN-4', '--timeout', '60']);
	// The largest frame the guest answers, found by the helper's probe.
	obsdtui(['net', NAME, '--probe', '--json'], 200_000);

	const net = JSON.parse(obsdtui(['net', NAME, '--json']));
	const screen = JSON.parse(obsdtui(['screen', NAME, '--json']));
	// The thumbnail is what the TUI's side column shows; the CLI has no option for it.
	const { connectDaemon } = await import('../../src/client/client.ts');
	const { THUMB } = await import('../../src/tui/daemon-feed.ts');
	const client = await connectDaemon();
	const { report: thumbReport } = await client.request('screen', { name: NAME, thumb: THUMB });
	client.close();

	const cast = obsdtui(['log', NAME, '--format', 'asciicast']).split('\n');
	const events = cast
		.slice(1)
		.filter(Boolean)
		.map((l) => JSON.parse(l));
	let t = 0;
	let last = 0;
	for (const e of events) {
		t += Math.min(e[0] - last, IDLE_LIMIT);
		last = e[0];
		e[0] = Number(t.toFixed(3));
	}
	writeFileSync(join(here, `${NAME}.cast`), [cast[0], ...events.map((e) => JSON.stringify(e))].join('\n') + '\n');

	const strip = ({ name: _n, ...report }) => report;
	const devices = {
		source: 'recorded from the Linux test guest',
		// The evidence was taken after the last console byte: the panels show it from there on.
		at: Number(t.toFixed(3)),
		captured: new Date().toISOString().slice(0, 10),
		command: `obsdtui ${up.map((a) => (a === guest.kernel ? 'vmlinuz' : a === guest.initrd ? 'initrd.gz' : a.includes(' ') ? `'${a}'` : a)).join(' ')}`,
		net: strip(net),
		screen: { ...strip(screen), thumbnail: thumbReport.thumbnail },
	};
	writeFileSync(join(here, `${NAME}.devices.json`), JSON.stringify(devices, null, '\t') + '\n');
	console.log(`${NAME}.cast: ${events.length} events, ${t.toFixed(1)} s; ${NAME}.devices.json: net ${devices.net.verdict.code}, screen ${devices.screen.verdict.code}`);
} finally {
	spawnSync(process.execPath, [bin, 'down', NAME, '--force'], { stdio: 'ignore', timeout: 60_000 });
	spawnSync(process.execPath, [bin, 'daemon', 'stop'], { stdio: 'ignore', timeout: 30_000 });
	rmSync(box, { recursive: true, force: true });
}

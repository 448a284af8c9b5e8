// Builds the demo's asciicast files from the real transcripts next to it. The bytes are
// the transcripts' (LF becomes the CR LF a serial console sends); the timing is made up
// to look like a real boot: serial-line pace, plus the pauses listed in PAUSES.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BYTES_PER_SECOND = 11520; // 115200 baud, 8N1
const LINE_GAP = 0.012; // the kernel probing the next device

// [pattern, seconds to wait before the line, seconds to wait after it]
const PAUSES = [
	[/^BdsDxe: loading/, 1.5, 0.4],
	[/^BdsDxe: starting/, 0, 0.8],
	[/^>> OpenBSD/, 0.3, 0.4],
	[/^boot> $/, 0, 5], // the boot loader's autoboot timeout
	[/^booting /, 0, 0],
	[/^Copyright \(c\) 1982/, 0.3, 0],
	[/^real mem/, 0.2, 0],
	[/^root on/, 0.3, 0.2],
	[/^WARNING: CHECK AND RESET/, 0, 0.6],
	[/^erase \^\?/, 0.2, 0.5],
	[/^Welcome to the OpenBSD/, 0.4, 0.2],
	[/^kernel: page fault/, 2.5, 0.1],
	[/^Stopped at/, 0, 0.8],
];

function build(input, output) {
	let text = readFileSync(join(here, input), 'utf8');
	text = text.replace(/\n$/, ''); // the last line is a prompt waiting for input
	const events = [];
	let t = 0;
	const out = (s, seconds = s.length / BYTES_PER_SECOND) => {
		events.push([Number(t.toFixed(3)), 'o', s]);
		t += seconds;
	};
	const lines = text.split('\n');
	lines.forEach((line, i) => {
		const eol = i < lines.length - 1 ? '\r\n' : '';
		const pause = PAUSES.find(([re]) => re.test(line)) ?? [null, 0, 0];
		t += pause[1];
		const ddb = /^(ddb\{\d+\}> )(.+)$/.exec(line);
		const load = /^(booting \S+ )(.*)$/.exec(line);
		if (ddb) {
			// Someone typing at the debugger prompt.
			out(ddb[1], 1.2);
			for (const c of ddb[2]) out(c, 0.07 + ((c.charCodeAt(0) * 37) % 50) / 1000);
			out(eol, 0.25);
		} else if (load) {
			// The boot loader prints each kernel segment as it reads it.
			out(load[1], 0.3);
			for (const part of load[2].split(/(?=[+[\]=])/)) out(part, 0.35);
			out(eol, 0.6);
		} else {
			out(line + eol);
			t += LINE_GAP;
		}
		t += pause[2];
	});
	const header = { version: 2, width: 80, height: 24, title: input };
	writeFileSync(join(here, output), [JSON.stringify(header), ...events.map((e) => JSON.stringify(e))].join('\n') + '\n');
	console.log(`${output}: ${events.length} events, ${t.toFixed(1)} s`);
}

build('arm64-qemu-virt-7.4-installer-boot.txt', 'arm64-installer.cast');
build('amd64-panic-uvm_fault-ddb-session.txt', 'amd64-ddb.cast');

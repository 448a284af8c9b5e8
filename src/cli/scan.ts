// obsdtui scan FILE... [--json]: run the guest parser over saved console logs. The JSON
// is a stable interface, documented in docs/scan-json.md.
import { closeSync, openSync, readSync } from 'node:fs';
import { command, printJson } from './command.ts';
import { UserError, errorMessage } from '../common/errors.ts';
import { GuestParser, type GuestSummary } from '../guest/index.ts';
import { existsSync } from 'node:fs';
import { isRemote, splitVmArg } from '../client/hosts.ts';
import { openLogSource } from './dmesg.ts';

function fileError(path: string, err: unknown): UserError {
	// `ENOENT: no such file or directory, open '/x'` -> `/x: no such file or directory`
	return new UserError(`${path}: ${errorMessage(err).replace(/^[A-Z]+: /, '').replace(/, \w+(?: .*)?$/, '')}`);
}

export function scanFile(path: string): GuestSummary {
	let fd: number;
	try {
		fd = openSync(path, 'r');
	} catch (err) {
		throw fileError(path, err);
	}
	const p = new GuestParser({ events: false });
	const buf = Buffer.allocUnsafe(1 << 20);
	try {
		for (;;) {
			const n = readSync(fd, buf, 0, buf.length, null);
			if (n === 0) break;
			p.push(buf.subarray(0, n), 0);
		}
	} catch (err) {
		throw fileError(path, err);
	} finally {
		closeSync(fd);
	}
	p.end();
	return p.summary();
}

/** The documented JSON: stage times mean nothing for a file, so they are left out. */
export function scanJson(file: string, s: GuestSummary): Record<string, unknown> {
	return {
		file,
		boots: s.boots.map((b) => ({ ...b, stages: b.stages.map(({ name, line }) => ({ name, line })) })),
		crashes: s.crashes,
		lines: s.lines,
		bytes: s.bytes,
	};
}

function mb(n: number | null): string {
	return n === null ? '?' : `${Math.round(n / 1048576)}MB`;
}

export function formatScan(file: string, s: GuestSummary): string {
	const kernel = s.crashes.filter((c) => !c.userland).length;
	const out: string[] = [`${file}: ${s.lines} lines, ${s.boots.length} boot${s.boots.length === 1 ? '' : 's'}, ${kernel} crash${kernel === 1 ? '' : 'es'}`];
	for (const b of s.boots) {
		const k = b.kernel;
		const id = k ? `OpenBSD ${k.version} (${k.config}) ${k.arch ?? '?'}, ${k.ncpu} cpu, ${mb(k.realMem)}` : 'no kernel banner';
		out.push(`  boot ${b.boot} (line ${b.line}): ${id}`);
		if (b.stages.length) out.push(`    stages: ${b.stages.map((x) => `${x.name}@${x.line}`).join(' ')}`);
		if (b.dmesgRange) out.push(`    dmesg: lines ${b.dmesgRange.firstLine}-${b.dmesgRange.lastLine}`);
		if (b.devices.length) {
			const unconf = b.devices.filter((d) => !d.configured).length;
			out.push(`    devices: ${b.devices.length}${unconf ? ` (${unconf} not configured)` : ''}`);
		}
		for (const d of b.devices) {
			const notes: string[] = [];
			if (d.negotiationFailed) notes.push('feature negotiation failed');
			if (d.mtuNotSupported !== undefined) notes.push(`mtu ${d.mtuNotSupported} not supported`);
			if (d.mtu !== undefined) notes.push(`mtu ${d.mtu}`);
			if (d.width !== undefined) notes.push(`${d.width}x${d.height}`);
			for (const f of d.failures ?? []) notes.push(`${f.message} x${f.count}`);
			if (notes.length) out.push(`      ${d.name} at ${d.parent} (line ${d.line}): ${notes.join(', ')}`);
		}
	}
	for (const c of s.crashes) {
		if (c.userland) {
			out.push(`  crash text printed by a shell command at line ${c.line} (boot ${c.boot}; not a crash of this guest): ${c.title}`);
			continue;
		}
		out.push(`  crash at line ${c.line} (boot ${c.boot}, ${c.type}${c.corrupted ? ', report cut' : ''}${c.suppressed ? ', known noise' : ''}${c.ddb ? ', in ddb' : ''}): ${c.title}`);
		for (const alt of c.altTitles) out.push(`    also: ${alt}`);
	}
	return out.join('\n') + '\n';
}

export default command({
	command: 'scan <files..>',
	describe: 'Scan saved console logs: boots, stages, kernel, devices, crashes',
	builder: (y) =>
		y.positional('files', { type: 'string', array: true, describe: 'console log files (or HOST:VM: that VM\'s newest log)' }).option('json', { type: 'boolean', describe: 'print JSON (JSON Lines for several files), see docs/scan-json.md' }),
	handler: async (args) => {
		const files = (args.files as string[]).map(String);
		for (const f of files) {
			// HOST:VM (or a VM with -H): the newest log of that VM, fetched from its host.
			const remote = isRemote() || (f.includes(':') && !existsSync(f) && splitVmArg(f).host !== undefined);
			let s: GuestSummary;
			if (remote) {
				const src = await openLogSource(f);
				try {
					s = scanFile(src.path);
				} finally {
					src.cleanup();
				}
			} else s = scanFile(f);
			if (args.json) printJson(scanJson(f, s));
			else process.stdout.write(formatScan(f, s));
		}
	},
});

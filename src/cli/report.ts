// obsdtui report NAME|FILE [-o FILE] [--bundle]: a sendbug(1)-format report from a
// console log; --bundle also writes a .tar.gz with the whole log and the evidence files.
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { createGzip } from 'node:zlib';
import { command } from './command.ts';
import { openLogSource, parseBoot, kernelLog } from './dmesg.ts';
import { isRemote } from '../client/hosts.ts';
import { connectDaemon } from '../client/client.ts';
import { UserError } from '../common/errors.ts';
import type { DdbEvidence } from '../guest/index.ts';
import { reportOfLogFile } from '../helper/logscan.ts';
import { hostFacts } from '../common/host-facts.ts';

export { hostFacts };

/** Where `obsdtui ddb --collect` leaves its evidence for a log: next to it. */
export function ddbEvidencePath(logPath: string): string {
	return logPath.replace(/\.(log|glass)$/, '') + '.ddb.json';
}

export function readDdbEvidence(logPath: string): DdbEvidence | null {
	const p = ddbEvidencePath(logPath);
	if (!existsSync(p)) return null;
	try {
		return JSON.parse(readFileSync(p, 'utf8')) as DdbEvidence;
	} catch {
		return null;
	}
}

interface VmFacts {
	name: string;
	backend?: string;
	spec?: unknown;
}

function vmFacts(name: string, logPath: string): VmFacts {
	const specPath = join(dirname(logPath), 'spec.json');
	if (!existsSync(specPath)) return { name };
	try {
		const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { backend?: unknown };
		return { name, spec, backend: typeof spec.backend === 'string' ? spec.backend : undefined };
	} catch {
		return { name };
	}
}

/** One file of a bundle: small ones in memory, the log read from disk as it is written out. */
export interface TarEntry {
	name: string;
	data?: Buffer;
	/** A file to copy, its first `size` bytes (a running VM's log grows meanwhile). */
	path?: string;
	size?: number;
	mtime?: number;
}

// ustar: 512-byte header blocks, data padded to 512, two zero blocks at the end.
function tarHeader(e: TarEntry, size: number): Buffer {
	const h = Buffer.alloc(512);
	const name = Buffer.from(e.name);
	if (name.length > 100) throw new Error(`tar: name too long: ${e.name}`);
	name.copy(h, 0);
	const oct = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
	h.write(oct(0o600, 8), 100, 'ascii');
	h.write(oct(0, 8), 108, 'ascii');
	h.write(oct(0, 8), 116, 'ascii');
	h.write(oct(size, 12), 124, 'ascii'); // 11 octal digits: up to 8 GiB, above the log cap
	h.write(oct(Math.floor((e.mtime ?? Date.now()) / 1000), 12), 136, 'ascii');
	h.write('        ', 148, 'ascii');
	h.write('0', 156, 'ascii');
	h.write('ustar\0', 257, 'ascii');
	h.write('00', 263, 'ascii');
	let sum = 0;
	for (const b of h) sum += b;
	h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
	return h;
}

async function* tarStream(entries: TarEntry[]): AsyncGenerator<Buffer> {
	for (const e of entries) {
		const size = e.data ? e.data.length : e.size!;
		yield tarHeader(e, size);
		if (e.data) yield e.data;
		else if (size > 0) {
			let got = 0;
			for await (const c of createReadStream(e.path!, { start: 0, end: size - 1 })) {
				got += (c as Buffer).length;
				yield c as Buffer;
			}
			if (got !== size) throw new Error(`${e.path} is shorter than ${size} bytes`);
		}
		yield Buffer.alloc((512 - (size % 512)) % 512);
	}
	yield Buffer.alloc(1024);
}

/**
 * Write a .tar.gz, streaming: the log may be bigger than Node can hold in one buffer
 * (its cap is 4 GiB, Node's limit 2 GiB), so it is never read whole.
 */
export async function writeTarGz(path: string, entries: TarEntry[]): Promise<void> {
	await pipeline(tarStream(entries), createGzip(), createWriteStream(path, { mode: 0o600 }));
}

function fileEntry(name: string, path: string): TarEntry {
	const st = statSync(path);
	return { name, path, size: st.size, mtime: st.mtimeMs };
}

function bundleEntries(logPath: string, reportText: string, dir: string): TarEntry[] {
	const entries = [{ name: `${dir}/report.txt`, data: Buffer.from(reportText) }, fileEntry(`${dir}/${basename(logPath)}`, logPath)];
	const base = basename(logPath).replace(/\.(log|glass)$/, '');
	const vmdir = dirname(logPath);
	// Device evidence other parts of obsdtui leave in the VM directory: index, ddb, screendumps.
	for (const f of readdirSync(vmdir).sort()) {
		const p = join(vmdir, f);
		// Both consoles of the boot: the serial log and the glass stream, with their indexes.
		const ours = f === 'spec.json' || f === `${base}.log` || f === `${base}.idx` || f === `${base}.glass` || f === `${base}.glass.idx` || f === `${base}.ddb.json` || /\.(png|ppm)$/.test(f) || /evidence.*\.json$/.test(f);
		if (ours && f !== basename(logPath) && statSync(p).isFile()) entries.push(fileEntry(`${dir}/${f}`, p));
	}
	return entries;
}

export default command({
	command: 'report <target>',
	describe: 'Write a sendbug(1)-format bug report from a VM console log or a log file',
	builder: (y) =>
		y
			.positional('target', { type: 'string', describe: 'VM name (HOST:VM on another host) or console log file' })
			.option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of stdout' })
			.option('boot', { type: 'string', describe: "guest boot within the log (default: the crashed one, else 'last')" })
			.option('bundle', { type: 'boolean', describe: 'also write FILE.tar.gz (or obsdtui-report-NAME.tar.gz) with the whole log and evidence' }),
	handler: async (args) => {
		const boot = args.boot === undefined ? undefined : parseBoot(args.boot);
		const src = await openLogSource(String(args.target));
		try {
			await writeReport(await kernelLog(src), boot, args);
		} finally {
			src.cleanup();
		}
	},
});

async function writeReport(src: { path: string; vm: string | null }, boot: number | 'last' | undefined, args: Record<string, unknown>): Promise<void> {
	let vm = src.vm ? vmFacts(src.vm, src.path) : undefined;
	let host: Record<string, string>;
	if (src.vm && isRemote()) {
		// The VM and its QEMU are on the other host: ask its daemon, not this machine.
		const client = await connectDaemon();
		try {
			const info = await client.request<{ vm: { backend?: string } }>('info', { name: src.vm });
			vm = { name: src.vm, backend: info.vm.backend };
			host = (await client.request<{ facts: Record<string, string> }>('host_facts', { backend: info.vm.backend })).facts;
			if (client.host) host = { ...host, host: `${host.host} (${client.host}, over ssh)` };
		} finally {
			client.close();
		}
	} else host = hostFacts(vm?.backend);
	// Streamed: a log may be bigger than Node reads at once (its cap is 4 GiB).
	const text = await reportOfLogFile(src.path, {
		boot,
		vm,
		host,
		ddb: readDdbEvidence(src.path),
	});
	const output = args.output === undefined ? undefined : String(args.output);
	if (output) writeFileSync(output, text, { mode: 0o600 });
	else process.stdout.write(text);
	if (args.bundle) {
		const stem = output ? output.replace(/\.txt$/, '') : `obsdtui-report-${src.vm ?? basename(src.path).replace(/\.[^.]*$/, '')}`;
		const path = `${stem}.tar.gz`;
		const dir = basename(stem);
		const entries = src.vm ? bundleEntries(src.path, text, dir) : [{ name: `${dir}/report.txt`, data: Buffer.from(text) }, fileEntry(`${dir}/${basename(src.path)}`, src.path)];
		try {
			await writeTarGz(path, entries);
		} catch (err) {
			throw new UserError(`cannot write ${path}: ${(err as Error).message}`);
		}
		process.stderr.write(`bundle: ${path}\n`);
	}
}

// obsdtui report NAME|FILE [-o FILE] [--bundle]: a sendbug(1)-format report from a
// console log; --bundle also writes a .tar.gz with the whole log and the evidence files.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { command } from './command.ts';
import { resolveLog, parseBoot } from './dmesg.ts';
import { UserError } from '../common/errors.ts';
import { sendbugReport, type DdbEvidence } from '../guest/index.ts';

/** Where `obsdtui ddb --collect` leaves its evidence for a log: next to it. */
export function ddbEvidencePath(logPath: string): string {
	return logPath.replace(/\.log$/, '') + '.ddb.json';
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

function firstLine(cmd: string, args: string[]): string | null {
	const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
	if (r.status !== 0 || !r.stdout) return null;
	return r.stdout.split('\n')[0].trim() || null;
}

export function hostFacts(backend: string | undefined): Record<string, string> {
	const facts: Record<string, string> = {
		host: `${os.type()} ${os.release()} ${os.arch()}`,
		node: process.version,
	};
	try {
		const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
		if (pkg.version) facts.obsdtui = pkg.version;
	} catch {
		// bundled without package.json next to it: the version is not essential
	}
	if (backend === undefined || backend === 'qemu') {
		const q = firstLine('qemu-system-aarch64', ['--version']);
		if (q) facts.qemu = q;
	}
	return facts;
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

// ustar: 512-byte header blocks, data padded to 512, two zero blocks at the end.
export function tar(entries: { name: string; data: Buffer; mtime?: number }[]): Buffer {
	const blocks: Buffer[] = [];
	for (const e of entries) {
		const h = Buffer.alloc(512);
		const name = Buffer.from(e.name);
		if (name.length > 100) throw new Error(`tar: name too long: ${e.name}`);
		name.copy(h, 0);
		const oct = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';
		h.write(oct(0o600, 8), 100, 'ascii');
		h.write(oct(0, 8), 108, 'ascii');
		h.write(oct(0, 8), 116, 'ascii');
		h.write(oct(e.data.length, 12), 124, 'ascii');
		h.write(oct(Math.floor((e.mtime ?? Date.now()) / 1000), 12), 136, 'ascii');
		h.write('        ', 148, 'ascii');
		h.write('0', 156, 'ascii');
		h.write('ustar\0', 257, 'ascii');
		h.write('00', 263, 'ascii');
		let sum = 0;
		for (const b of h) sum += b;
		h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
		blocks.push(h, e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
	}
	blocks.push(Buffer.alloc(1024));
	return Buffer.concat(blocks);
}

function bundleEntries(logPath: string, reportText: string, dir: string): { name: string; data: Buffer; mtime?: number }[] {
	const entries = [
		{ name: `${dir}/report.txt`, data: Buffer.from(reportText) },
		{ name: `${dir}/${basename(logPath)}`, data: readFileSync(logPath), mtime: statSync(logPath).mtimeMs },
	];
	const base = basename(logPath).replace(/\.log$/, '');
	const vmdir = dirname(logPath);
	// Device evidence other parts of obsdtui leave in the VM directory: index, ddb, screendumps.
	for (const f of readdirSync(vmdir).sort()) {
		const p = join(vmdir, f);
		const ours = f === 'spec.json' || f === `${base}.idx` || f === `${base}.ddb.json` || /\.(png|ppm)$/.test(f) || /evidence.*\.json$/.test(f);
		if (ours && f !== basename(logPath) && statSync(p).isFile()) entries.push({ name: `${dir}/${f}`, data: readFileSync(p), mtime: statSync(p).mtimeMs });
	}
	return entries;
}

export default command({
	command: 'report <target>',
	describe: 'Write a sendbug(1)-format bug report from a VM console log or a log file',
	builder: (y) =>
		y
			.positional('target', { type: 'string', describe: 'VM name or console log file' })
			.option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of stdout' })
			.option('boot', { type: 'string', describe: "guest boot within the log (default: the crashed one, else 'last')" })
			.option('bundle', { type: 'boolean', describe: 'also write FILE.tar.gz (or obsdtui-report-NAME.tar.gz) with the whole log and evidence' }),
	handler: (args) => {
		const src = resolveLog(String(args.target));
		const log = readFileSync(src.path);
		const vm = src.vm ? vmFacts(src.vm, src.path) : undefined;
		const text = sendbugReport({
			log,
			boot: args.boot === undefined ? undefined : parseBoot(args.boot),
			vm,
			host: hostFacts(vm?.backend),
			ddb: readDdbEvidence(src.path),
		});
		const output = args.output === undefined ? undefined : String(args.output);
		if (output) writeFileSync(output, text, { mode: 0o600 });
		else process.stdout.write(text);
		if (args.bundle) {
			const stem = output ? output.replace(/\.txt$/, '') : `obsdtui-report-${src.vm ?? basename(src.path).replace(/\.[^.]*$/, '')}`;
			const path = `${stem}.tar.gz`;
			const dir = basename(stem);
			const entries = src.vm ? bundleEntries(src.path, text, dir) : [{ name: `${dir}/report.txt`, data: Buffer.from(text) }, { name: `${dir}/${basename(src.path)}`, data: log }];
			try {
				writeFileSync(path, gzipSync(tar(entries)), { mode: 0o600 });
			} catch (err) {
				throw new UserError(`cannot write ${path}: ${(err as Error).message}`);
			}
			process.stderr.write(`bundle: ${path}\n`);
		}
	},
});

// obsdtui log NAME: the console log of a boot, read straight from the files the helper
// writes (no daemon needed, so it works while the daemon is down). To a terminal the
// bytes go through the Sanitizer; to a pipe they go out exactly as the guest sent them.
import { existsSync, statSync } from 'node:fs';
import { command } from './command.ts';
import { UserError } from '../common/errors.ts';
import { vmDir } from '../common/paths.ts';
import { isRemote, vmArg } from '../client/hosts.ts';
import { connectDaemon } from '../client/client.ts';
import { bootLogPath, bootIndexPath, bootGlassPath, bootGlassIndexPath, listBoots, readIndex, readLogRange, type IndexRecord } from '../helper/logfiles.ts';
import { prunedBoots, reasonText } from '../helper/retention.ts';
import { Sanitizer } from '../term/sanitize.ts';
import { asciicastLines } from '../term/asciicast.ts';
import { readSpecCols } from './vmfiles.ts';

export function pickBoot(dir: string, boot: unknown): number {
	const boots = listBoots(dir);
	if (!boots.length) throw new UserError(`no console logs in ${dir}`);
	if (boot === undefined || boot === 'last') return boots[boots.length - 1];
	const n = Number(boot);
	if (Number.isInteger(n) && !boots.includes(n)) {
		const gone = prunedBoots(dir).find((p) => p.boot === n);
		if (gone) {
			throw new UserError(
				`boot ${n} was removed by log retention on ${new Date(gone.ms).toISOString()} (${reasonText(gone.reason)}); this VM has boots ${boots.join(', ')}`,
			);
		}
	}
	if (!Number.isInteger(n) || !boots.includes(n)) throw new UserError(`no boot ${boot}; this VM has boots ${boots.join(', ')}`);
	return n;
}

function fmtTime(ms: number | undefined, base: number | undefined, absolute: boolean): string {
	if (ms === undefined) return absolute ? '[                        ] ' : '[          ] ';
	if (absolute) return `[${new Date(ms).toISOString()}] `;
	return `[${(((ms - (base ?? ms)) / 1000).toFixed(3)).padStart(10)}] `;
}

/**
 * Decorate log bytes [start, start+bytes.length) with per-line timestamps and/or audit
 * lines at their offsets. It is fed in increasing offsets (follow mode feeds it chunk by
 * chunk) and the index only grows at its end, so one cursor into each kind of record
 * does: each record is looked at once, not once per line.
 */
export class Annotator {
	private atLineStart = true;
	private times: IndexRecord[] = [];
	private marks: IndexRecord[] = [];
	private timeIdx = 0;
	private markIdx = 0;
	/** The time of the latest `t` record at or before the current offset. */
	private now: number | undefined;

	constructor(
		records: IndexRecord[],
		private opts: { timestamps: boolean; absolute: boolean; audit: boolean },
	) {
		this.setRecords(records);
	}

	private setRecords(records: IndexRecord[]): void {
		this.times = records.filter((r) => r.kind === 't');
		this.marks = records.filter((r) => r.kind === 'a' || r.kind === 'e');
	}

	private timeAt(offset: number): number | undefined {
		while (this.timeIdx < this.times.length && this.times[this.timeIdx].offset <= offset) this.now = this.times[this.timeIdx++].ms;
		return this.now;
	}

	private audits(upTo: number, out: Buffer[]): void {
		if (!this.opts.audit) return;
		while (this.markIdx < this.marks.length && this.marks[this.markIdx].offset <= upTo) {
			const r = this.marks[this.markIdx++];
			const what = r.kind === 'a' ? r.text : r.kind === 'e' ? `event ${JSON.stringify(r.json)}` : '';
			out.push(Buffer.from(`${this.atLineStart ? '' : '\n'}[obsdtui ${new Date(r.ms).toISOString()}] ${what}\n`));
			this.atLineStart = true;
		}
	}

	private lineStart(offset: number, out: Buffer[]): void {
		this.audits(offset, out);
		if (this.opts.timestamps) out.push(Buffer.from(fmtTime(this.timeAt(offset), this.times[0]?.ms, this.opts.absolute)));
		this.atLineStart = false;
	}

	feed(bytes: Buffer, start: number, records?: IndexRecord[]): Buffer {
		if (records) this.setRecords(records);
		if (!this.opts.timestamps && !this.opts.audit) return bytes;
		const out: Buffer[] = [];
		for (let from = 0; from < bytes.length; ) {
			if (this.atLineStart) this.lineStart(start + from, out);
			const nl = bytes.indexOf(0x0a, from);
			const end = nl === -1 ? bytes.length : nl + 1;
			out.push(bytes.subarray(from, end));
			if (nl !== -1) this.atLineStart = true;
			from = end;
		}
		return Buffer.concat(out);
	}

	finish(end: number): Buffer {
		const out: Buffer[] = [];
		this.audits(end, out);
		return Buffer.concat(out);
	}
}

/**
 * `log` of a VM on another host: the daemon there streams the file (read_log). Index
 * records (times, audit lines) stay on that host for now.
 */
async function remoteLog(name: string, args: Record<string, unknown>): Promise<void> {
	if (args.timestamps || args.audit || args.format === 'asciicast') throw new UserError('--timestamps, --audit and --format asciicast read the log index, which is only on the VM\'s host: run them there');
	const boot = args.boot === undefined || args.boot === 'last' ? 'last' : Number(args.boot);
	if (boot !== 'last' && !(Number.isInteger(boot) && boot > 0)) throw new UserError(`--boot must be a boot number or last, not ${JSON.stringify(args.boot)}`);
	const sanitizer = process.stdout.isTTY ? new Sanitizer() : undefined;
	const client = await connectDaemon();
	try {
		await client.readLog({ name, boot, glass: args.glass === true, follow: args.follow === true }, (b) => {
			process.stdout.write(sanitizer ? sanitizer.filter(b) : b);
		});
	} finally {
		client.close();
	}
}

function helperGone(dir: string, boot: number): boolean {
	const idx = bootIndexPath(dir, boot);
	const exited = existsSync(idx) && readIndex(idx).some((r) => r.kind === 'e' && r.json.event === 'exited');
	return exited || !existsSync(`${dir}/helper.sock`);
}

export default command({
	command: 'log <name>',
	describe: 'Print the console log of a boot (read from disk; works without the daemon)',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('follow', { alias: 'f', type: 'boolean', describe: 'keep printing new output until the VM stops' })
			.option('boot', { type: 'string', describe: 'boot number (see: ls), or last' })
			.option('timestamps', { alias: 't', type: 'boolean', describe: 'prefix lines with seconds since the boot started' })
			.option('absolute', { type: 'boolean', describe: 'with -t: wall-clock times (UTC)' })
			.option('audit', { type: 'boolean', describe: 'interleave audit lines (attach, detach, take-over, send) and helper events' })
			.option('format', { choices: ['raw', 'asciicast'] as const, default: 'raw' as const })
			.option('glass', { type: 'boolean', describe: "the glass console's stream: the framebuffer read as text, one line per line" }),
	handler: async (args) => {
		const name = vmArg(args.name);
		if (isRemote()) {
			await remoteLog(name, args);
			return;
		}
		const dir = vmDir(name);
		if (!existsSync(dir)) throw new UserError(`no VM named '${name}' (see 'obsdtui ls')`);
		const boot = pickBoot(dir, args.boot);
		const glass = args.glass === true;
		const logPath = glass ? bootGlassPath(dir, boot) : bootLogPath(dir, boot);
		const idxPath = glass ? bootGlassIndexPath(dir, boot) : bootIndexPath(dir, boot);
		if (glass && args.format === 'asciicast') throw new UserError('--glass is text, not a terminal recording: use it without --format asciicast');
		if (glass && !existsSync(logPath)) throw new UserError(`boot ${boot} of ${name} has no glass console stream (the VM had no display, or nothing was read yet)`);
		const records = () => (existsSync(idxPath) ? readIndex(idxPath) : []);
		if (args.format === 'asciicast') {
			const { cols, rows } = readSpecCols(dir);
			const times = records().filter((r) => r.kind === 't').map((r) => ({ offset: r.offset, ms: r.ms }));
			// In pieces: a log may be bigger than Node holds in one buffer (its cap is 4 GiB).
			for (const line of asciicastLines(statSync(logPath).size, times, cols, rows, (s, e) => readLogRange(logPath, s, e))) process.stdout.write(line);
			return;
		}
		const sanitizer = process.stdout.isTTY ? new Sanitizer() : undefined;
		const annotator = new Annotator(records(), { timestamps: !!args.timestamps, absolute: !!args.absolute, audit: !!args.audit });
		const emit = (b: Buffer) => {
			if (b.length) process.stdout.write(sanitizer ? sanitizer.filter(b) : b);
		};
		let pos = 0;
		const pump = (withRecords: boolean) => {
			const size = existsSync(logPath) ? statSync(logPath).size : 0;
			for (; pos < size; ) {
				const end = Math.min(size, pos + 1024 * 1024);
				emit(annotator.feed(readLogRange(logPath, pos, end), pos, withRecords ? records() : undefined));
				pos = end;
			}
		};
		pump(false);
		if (args.follow) {
			await new Promise<void>((resolve) => {
				const timer = setInterval(() => {
					pump(true);
					if (helperGone(dir, boot)) {
						pump(true);
						clearInterval(timer);
						resolve();
					}
				}, 200);
			});
		}
		emit(annotator.finish(pos));
	},
});

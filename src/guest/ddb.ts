// Collecting ddb evidence: the pure core behind `obsdtui ddb NAME --collect` and the TUI
// key. It reads console output, says what to type next, and cuts each command's output
// at the next prompt. It never proposes a command unless the last line is a ddb prompt.
// The list follows ddb.html (panic message, trace, ps, a trace per CPU) plus syzkaller's
// `show registers`, with paging and wrapping off first so output is not held at --db_more--.
import { segments } from './lines.ts';

export interface DdbStep {
	command: string;
	/** What ddb printed, without the echoed command and the final prompt. */
	output: string;
	/** The command's time limit passed before the prompt came back. */
	timedOut: boolean;
	/** ddb{N} the command ran on (null on a uniprocessor kernel's `ddb>`). */
	cpu: number | null;
}

export interface DdbEvidence {
	steps: DdbStep[];
	cpus: number[];
	/** Why collection stopped early, if it did. */
	error?: string;
}

export interface DdbCollectorOptions {
	/** Per command (default 15000 ms). */
	timeoutMs?: number;
	/** CPUs known from the dmesg (cpuN lines); more are added from ddb output. */
	ncpu?: number;
}

export const DDB_PROMPT_RE = /^ddb(?:\{(\d+)\})?> ?$/;
const FIRST = ['set $lines = 0', 'set $maxwidth = 0', 'show panic', 'trace', 'show registers', 'ps'];
const MAX_OUTPUT = 1 << 20;
const TAIL = 512;

export class DdbCollector {
	private readonly timeoutMs: number;
	private readonly queue: string[] = [...FIRST];
	private readonly steps: DdbStep[] = [];
	private readonly cpus = new Set<number>();
	private tail = '';
	private capture: string[] = [];
	private captureLen = 0;
	private pending: { command: string; sentMs: number; cpu: number | null } | null = null;
	private perCpuQueued = false;
	private homeCpu: number | null = null;
	private stuck: string | null = null;
	/** A command timed out before its prompt came back: give the prompt one more time limit. */
	private late: { since: number; command: string } | null = null;

	constructor(opts: DdbCollectorOptions = {}) {
		this.timeoutMs = opts.timeoutMs ?? 15_000;
		for (let i = 0; i < (opts.ncpu ?? 0); i++) this.cpus.add(i);
	}

	/** Console output as it arrives (also the log tail, to know where the console is now). */
	push(bytes: Uint8Array): void {
		const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
		this.tail = (this.tail + text).slice(-TAIL);
		if (this.pending && this.captureLen < MAX_OUTPUT) {
			this.capture.push(text);
			this.captureLen += text.length;
		}
		if (this.pending && this.promptCpu() !== undefined) this.finish(false);
	}

	/** The ddb CPU of the prompt on the last line; undefined when the last line is not a ddb prompt. */
	promptCpu(): number | null | undefined {
		const nl = this.tail.lastIndexOf('\n');
		const last = segments(this.tail.slice(nl + 1)).at(-1) ?? '';
		const m = DDB_PROMPT_RE.exec(last);
		if (!m) return undefined;
		return m[1] === undefined ? null : Number(m[1]);
	}

	atPrompt(): boolean {
		return this.promptCpu() !== undefined;
	}

	get done(): boolean {
		return this.stuck !== null || (this.pending === null && this.queue.length === 0 && this.perCpuQueued);
	}

	/**
	 * The next command to type (send it followed by CR), or null: waiting for output,
	 * not at a ddb prompt, or done. Calling it marks the command as sent at nowMs.
	 */
	next(nowMs: number): string | null {
		if (this.pending || this.stuck !== null) return null;
		const cpu = this.promptCpu();
		if (cpu === undefined) return null;
		this.late = null;
		if (this.homeCpu === null && cpu !== null) this.homeCpu = cpu;
		if (cpu !== null) this.cpus.add(cpu);
		if (this.queue.length === 0 && !this.perCpuQueued) this.queuePerCpu(cpu);
		const command = this.queue.shift();
		if (command === undefined) return null;
		this.pending = { command, sentMs: nowMs, cpu };
		this.capture = [];
		this.captureLen = 0;
		// The prompt we answered must not end the capture: only a new one may.
		this.tail = '';
		return command;
	}

	/** Enforce the per-command time limit. */
	tick(nowMs: number): void {
		if (this.pending && nowMs - this.pending.sentMs >= this.timeoutMs) {
			const command = this.pending.command;
			this.finish(true);
			if (!this.atPrompt()) this.late = { since: nowMs, command };
		} else if (this.late && !this.atPrompt() && nowMs - this.late.since >= this.timeoutMs) {
			this.stuck = `no ddb prompt ${Math.round((2 * this.timeoutMs) / 1000)}s after '${this.late.command}'`;
		}
	}

	result(): DdbEvidence {
		const ev: DdbEvidence = { steps: this.steps.map((s) => ({ ...s })), cpus: [...this.cpus].sort((a, b) => a - b) };
		if (this.stuck) ev.error = this.stuck;
		return ev;
	}

	private finish(timedOut: boolean): void {
		const p = this.pending!;
		this.pending = null;
		const raw = this.capture.join('');
		let lines = raw.split('\n').map((l) => segments(l).join(''));
		// Drop the echo of what we typed and the prompt that ended the output.
		if (lines.length && lines[0].trim() === p.command) lines = lines.slice(1);
		else if (lines.length && lines[0].trim() === '') lines = lines.slice(1);
		if (!timedOut && lines.length && DDB_PROMPT_RE.test(lines.at(-1)!)) lines = lines.slice(0, -1);
		const output = Buffer.from(lines.join('\n'), 'latin1').toString('utf8');
		this.steps.push({ command: p.command, output, timedOut, cpu: p.cpu });
		this.learnCpus(output);
	}

	private learnCpus(output: string): void {
		for (const m of output.matchAll(/(?:^|\s)\*?cpu(\d+):/g)) this.cpus.add(Number(m[1]));
		// ps lists one idle thread per CPU: idle0, idle1, ...
		for (const m of output.matchAll(/\sidle(\d+)\s*$/gm)) this.cpus.add(Number(m[1]));
	}

	private queuePerCpu(current: number | null): void {
		this.perCpuQueued = true;
		if (current === null) return;
		const others = [...this.cpus].filter((c) => c !== current).sort((a, b) => a - b);
		for (const c of others) this.queue.push(`machine ddbcpu ${c}`, 'trace');
		// Leave ddb on the CPU it stopped on, as the user found it.
		if (others.length) this.queue.push(`machine ddbcpu ${current}`);
	}
}

/** The evidence as the report prints it: each command after its prompt, as on the console. */
export function formatDdb(ev: DdbEvidence): string {
	const out: string[] = [];
	for (const s of ev.steps) {
		out.push(`${s.cpu === null ? 'ddb>' : `ddb{${s.cpu}}>`} ${s.command}`);
		if (s.output) out.push(s.output);
		if (s.timedOut) out.push(`(no prompt within the time limit; output above may be incomplete)`);
	}
	if (ev.error) out.push(`(collection stopped: ${ev.error})`);
	return out.join('\n') + '\n';
}

// A sendbug(1)-format report from a console log: the fields sendbug's template has, in its
// order, then what OpenBSD developers ask for (ddb.html): dmesg, the ddb evidence, and
// here also device findings and the console lines around the crash.
import type { BootSummary, Crash, Device, GuestSummary } from './types.ts';
import { scanBytes } from './parser.ts';
import { formatDdb, type DdbEvidence } from './ddb.ts';
import { redactPasswords } from './redact.ts';

export interface ReportInput {
	/**
	 * The console log (one obsdtui boot file, possibly several guest boots). A log on
	 * disk may be larger than Node can hold (its cap is 4 GiB): give `summary` and `lines`
	 * instead (src/helper/logscan.ts reads both from the file, streaming).
	 */
	log?: Uint8Array;
	summary?: GuestSummary;
	/** The log's bytes from line `first` on, at least through the lines reportLines() names. */
	lines?: { first: number; bytes: Uint8Array };
	/** Which guest boot; default: the boot of the last crash, else the last boot. */
	boot?: number | 'last';
	vm?: { name: string; backend?: string; spec?: unknown };
	/** Host facts for How-To-Repeat, e.g. { host: 'Linux 6.8 x86_64', qemu: '9.2.0', obsdtui: '0.1.0' }. */
	host?: Record<string, string>;
	ddb?: DdbEvidence | null;
	/** Extra device evidence lines (virtio status, QMP findings), printed as given. */
	devices?: string[];
	/** Console lines shown before the crash (default 20) and at most after it (default 200). */
	before?: number;
	after?: number;
}

function indent(text: string): string {
	return text
		.split('\n')
		.map((l) => (l === '' ? '' : `\t${l}`))
		.join('\n');
}

function pickBoot(s: GuestSummary, want: number | 'last' | undefined): BootSummary | undefined {
	if (typeof want === 'number') return s.boots.find((b) => b.boot === want);
	const last = s.crashes.findLast((c) => !c.userland);
	if (want === undefined && last) return s.boots.find((b) => b.boot === last.boot);
	return s.boots.at(-1);
}

export function deviceFindings(devs: Device[]): string[] {
	const out: string[] = [];
	for (const d of devs) {
		const notes: string[] = [];
		if (d.negotiationFailed) notes.push('virtio feature negotiation failed');
		if (d.mtuNotSupported !== undefined) notes.push(`device MTU ${d.mtuNotSupported} not supported (renegotiated without it)`);
		if (d.mtu !== undefined) notes.push(`device MTU ${d.mtu}`);
		if (d.width !== undefined) notes.push(`${d.width}x${d.height}, ${d.depth}bpp`);
		for (const f of d.failures ?? []) notes.push(`${f.message} (${f.count} times)`);
		if (d.name.startsWith('virtio') && d.messages.some((m) => m.includes('not configured'))) notes.push('no matching child driver');
		if (notes.length) out.push(`${d.name} at ${d.parent} (console line ${d.line}): ${notes.join('; ')}`);
	}
	return out;
}

function consoleLines(log: Uint8Array, first: number, last: number): string {
	const text = Buffer.from(log.buffer, log.byteOffset, log.byteLength).toString('latin1');
	let line = 1;
	let pos = 0;
	while (line < first && pos >= 0) {
		pos = text.indexOf('\n', pos);
		if (pos >= 0) pos++;
		line++;
	}
	if (pos < 0) return '';
	let end = pos;
	for (let l = first; l <= last && end >= 0; l++) {
		end = text.indexOf('\n', end);
		if (end >= 0) end++;
	}
	const slice = text.slice(pos, end < 0 ? text.length : end).replace(/\r\n/g, '\n').replace(/\0/g, '');
	return Buffer.from(slice, 'latin1').toString('utf8');
}

function synopsis(crash: Crash | undefined, boot: BootSummary | undefined): string {
	if (crash) return crash.title;
	const k = boot?.kernel;
	return k ? `OpenBSD ${k.version} (${k.config}): <describe the problem>` : '<synopsis of the problem (one line)>';
}

function reportCrash(s: GuestSummary, want: number | 'last' | undefined): { boot: BootSummary | undefined; crash: Crash | undefined } {
	const boot = pickBoot(s, want);
	// Crash text a shell printed (a saved log shown with cat) is not this guest's crash.
	return { boot, crash: [...s.crashes].reverse().find((c) => !c.userland && (!boot || c.boot === boot.boot)) };
}

/** The console lines the report quotes (around the crash), or null when it quotes none. */
export function reportLines(s: GuestSummary, input: Pick<ReportInput, 'boot' | 'before' | 'after'>): { first: number; last: number } | null {
	const { crash } = reportCrash(s, input.boot);
	if (!crash) return null;
	return { first: Math.max(1, crash.line - (input.before ?? 20)), last: Math.min(crash.endLine, crash.line + (input.after ?? 200)) };
}

export function sendbugReport(input: ReportInput): string {
	if (!input.summary && !input.log) throw new Error('sendbugReport: needs the log or its summary');
	const s = input.summary ?? scanBytes(input.log!);
	const { boot, crash } = reportCrash(s, input.boot);
	const k = boot?.kernel ?? null;
	const arch = k?.arch ?? 'unknown';
	const out: string[] = [];
	const syn = synopsis(crash, boot);

	out.push('SENDBUG: -*- sendbug -*-');
	out.push("SENDBUG: Lines starting with `SENDBUG' will be removed automatically.");
	out.push(`SENDBUG: Made by obsdtui from a console log${input.vm ? ` of VM ${input.vm.name}` : ''}; check it before sending.`);
	out.push('To: bugs@openbsd.org');
	out.push(`Subject: ${syn}`);
	out.push('From: ');
	out.push('Cc: ');
	out.push('Reply-To: ');
	out.push('');
	out.push(`>Synopsis:\t${syn}`);
	out.push(`>Category:\t${crash ? 'kernel' : 'system'}`);
	out.push('>Environment:');
	out.push(`\tSystem      : OpenBSD ${k?.release ?? 'unknown'}`);
	out.push(`\tDetails     : ${k?.banner ?? 'unknown (no kernel banner in the log)'}`);
	if (k?.builder) out.push(`\t\t\t ${k.builder}`);
	out.push('');
	out.push(`\tArchitecture: OpenBSD.${arch}`);
	out.push(`\tMachine     : ${arch}`);
	out.push('>Description:');
	const desc: string[] = [];
	if (crash) {
		desc.push(`The kernel crashed (${crash.type}${crash.corrupted ? ', the console report is cut' : ''}) at console line ${crash.line}${boot ? ` in boot ${boot.boot} of the log` : ''}.`);
		if (crash.message) desc.push(`panic: ${crash.message}`);
		if (crash.altTitles.length) desc.push(`Also known as: ${crash.altTitles.join('; ')}`);
		if (crash.stoppedAt) desc.push(`Stopped at ${crash.stoppedAt}`);
		if (crash.frames.length) desc.push(`Backtrace: ${crash.frames.slice(0, 16).join(' < ')}`);
	} else {
		desc.push('<precise description of the problem>');
	}
	const stages = boot?.stages.map((x) => x.name).join(' > ');
	if (stages) desc.push(`Boot stages seen: ${stages}`);
	out.push(indent(desc.join('\n')));
	out.push('>How-To-Repeat:');
	const how: string[] = [];
	if (input.vm) {
		how.push(`VM ${input.vm.name}${input.vm.backend ? `, backend ${input.vm.backend}` : ''}`);
		if (input.vm.spec !== undefined) how.push('VM spec:', JSON.stringify(input.vm.spec, null, 2));
	}
	for (const [key, v] of Object.entries(input.host ?? {})) how.push(`${key}: ${v}`);
	if (how.length === 0) how.push('<code/input/activities to reproduce the problem>');
	out.push(indent(how.join('\n')));
	out.push('>Fix:');
	out.push('\t<how to correct or work around the problem, if known>');
	out.push('');
	out.push('dmesg:');
	out.push((boot?.dmesg ?? '(no kernel banner in the log)\n').replace(/\n$/, ''));
	if (input.ddb) {
		out.push('');
		out.push('ddb:');
		out.push(formatDdb(input.ddb).replace(/\n$/, ''));
	}
	const findings = [...deviceFindings(boot?.devices ?? []), ...(input.devices ?? [])];
	if (findings.length) {
		out.push('');
		out.push('devices:');
		out.push(findings.join('\n'));
	}
	const quoted = reportLines(s, input);
	if (quoted) {
		const { first, last } = quoted;
		const from = input.lines ?? { first: 1, bytes: input.log ?? new Uint8Array(0) };
		out.push('');
		out.push(`console (lines ${first}-${last}):`);
		out.push(consoleLines(from.bytes, first - from.first + 1, last - from.first + 1).replace(/\n$/, ''));
	}
	return redactPasswords(out.join('\n') + '\n');
}

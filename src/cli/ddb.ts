// obsdtui ddb NAME --collect [--yes]: at a ddb prompt, type the commands OpenBSD
// developers ask for (DdbCollector decides what and when), save the evidence next to the
// console log for `obsdtui report`, and print the report.
import { closeSync, existsSync, openSync, readSync, fstatSync, writeFileSync } from 'node:fs';
import { command, confirm } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { isRemote, vmArg } from '../client/hosts.ts';
import { fetchLog, type FetchedLog } from '../client/remote-log.ts';
import { UserError } from '../common/errors.ts';
import { DdbCollector, type DdbEvidence } from '../guest/index.ts';
import { reportOfLogFile, scanLogFile } from '../helper/logscan.ts';
import { ddbEvidencePath, hostFacts } from './report.ts';
import { GlassStreamDecoder } from '../glass/stream.ts';

const TAIL = 4096;

function tailOf(path: string): Buffer {
	const fd = openSync(path, 'r');
	try {
		const size = fstatSync(fd).size;
		const n = Math.min(size, TAIL);
		const buf = Buffer.alloc(n);
		readSync(fd, buf, 0, n, size - n);
		return buf;
	} finally {
		closeSync(fd);
	}
}

export default command({
	command: 'ddb <name>',
	describe: 'At a ddb prompt, collect panic evidence (show panic, trace, registers, ps, a trace per CPU) and print a report',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('collect', { type: 'boolean', describe: 'type the commands and collect their output' })
			.option('yes', { alias: 'y', type: 'boolean', describe: 'do not ask before typing into the console' })
			.option('timeout', { type: 'number', default: 15, describe: 'seconds to wait for each command' })
			.option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of stdout' })
			.option('glass', { type: 'boolean', describe: 'the ddb prompt is on the glass console (the framebuffer): type over VNC' }),
	handler: async (args) => {
		const name = vmArg(args.name);
		if (!args.collect) throw new UserError('nothing to do: use obsdtui ddb NAME --collect');
		const timeoutMs = Number(args.timeout) * 1000;
		if (!(timeoutMs > 0)) throw new UserError('--timeout must be a positive number of seconds');

		const client = await connectDaemon();
		let fetched: FetchedLog | undefined;
		try {
			const glass = args.glass === true || undefined;
			const session = client.console(name, { glass });
			await session.attach('spy');
			const serialLog = session.vm?.log;
			if (!serialLog) throw new UserError(`VM ${name} has no console log yet`);
			// On the glass the log is the daemon's glass stream, written before viewers see a line.
			// On another host, a copy fetched through its daemon (this connection carries the console).
			if (isRemote()) fetched = await fetchLog(name, { glass });
			const logPath = fetched?.path ?? (glass ? serialLog.replace(/\.log$/, '.glass') : serialLog);
			if (glass && !existsSync(logPath)) throw new UserError(`VM ${name} has no glass console stream yet`);
			const decoder = glass ? new GlassStreamDecoder() : null;
			const ncpu = (await scanLogFile(logPath)).boots.at(-1)?.kernel?.ncpu ?? 0;
			const c = new DdbCollector({ timeoutMs, ncpu });
			// The log is written before anything is forwarded, so its tail is where the console is now;
			// the glass's open line (a prompt waiting for input) is only on its screen.
			c.push(tailOf(logPath));
			if (glass) c.push(Buffer.from(session.vm?.glass?.open ?? ''));
			if (!c.atPrompt()) throw new UserError(`VM ${name} is not at a ddb prompt; nothing typed`);
			if (!args.yes) {
				// Checked here, after the VM and its prompt: those errors say more.
				if (!process.stdin.isTTY) throw new UserError('refusing to type into the console without asking: run on a terminal or pass --yes');
				const ok = await confirm(`Type ddb commands into ${name}'s console (set $lines = 0, set $maxwidth = 0, show panic, trace, show registers, ps, and a trace per CPU)? [y/N] `);
				if (!ok) throw new UserError('nothing typed');
			}
			const ev = await new Promise<DdbEvidence>((resolve, reject) => {
				const send = (text: string) => client.request('send', { name, data: Buffer.from(text + '\r').toString('base64'), ...(glass ? { glass: true } : {}) }).catch(reject);
				const pump = () => {
					c.tick(Date.now());
					const cmd = c.next(Date.now());
					if (cmd !== null) void send(cmd);
					if (c.done) {
						clearInterval(timer);
						resolve(c.result());
					}
				};
				const timer = setInterval(pump, 100);
				session.on('data', (d: Buffer) => {
					c.push(decoder ? Buffer.from(decoder.push(d), 'utf8') : d);
					pump();
				});
				// The glass stream starts at the open prompt the collector already has.
				if (decoder) decoder.push(`\r\x1b[K${session.vm?.glass?.open ?? ''}`);
				session.on('end', (why: unknown) => {
					clearInterval(timer);
					reject(new UserError(`console of ${name} went away: ${String(why)}`));
				});
				pump();
			});
			writeFileSync(ddbEvidencePath(logPath), JSON.stringify(ev, null, '\t') + '\n', { mode: 0o600 });
			const text = await reportOfLogFile(logPath, { vm: { name, backend: session.vm?.backend }, host: hostFacts(session.vm?.backend), ddb: ev });
			if (args.output) writeFileSync(String(args.output), text, { mode: 0o600 });
			else process.stdout.write(text);
			if (ev.error) throw new UserError(`ddb evidence incomplete: ${ev.error}`);
			await session.detach();
		} finally {
			client.close();
			fetched?.cleanup();
		}
	},
});

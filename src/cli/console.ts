// obsdtui console NAME: raw pass-through like cu(1). Keys go to the guest byte for byte;
// the guest's output reaches this terminal only through the Sanitizer (no queries,
// titles, clipboard or mode changes). A prefix key (default Ctrl-]) followed by a
// command key controls the session; the prefix twice sends the prefix itself.
import { attachModeOf, command, withAttachModes, type AttachMode } from './command.ts';
import { connectDaemon, reconnectDaemon, type ConsoleSession } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';
import { Sanitizer, RESTORE_TERMINAL } from '../term/sanitize.ts';
import { prefixLabel } from '../tui/keys.ts';
import { withPrefix, prefixOf } from './tui.ts';

const HELP = (p: string) =>
	`\r\n[obsdtui: ${p} then: q detach, t take over, b send BREAK, ? help, ${p} send ${p}]\r\n`;

export default command({
	command: 'console <name>',
	describe: 'Attach this terminal to a VM console (raw, like cu); Ctrl-] q detaches',
	builder: (y) =>
		withAttachModes(withPrefix(y).positional('name', { type: 'string' })).option('glass', {
			type: 'boolean',
			describe: 'the glass console: the framebuffer read as text; keys are typed over VNC',
		}),
	handler: async (args) => {
		const name = vmArg(args.name);
		const prefix = prefixOf(args);
		const pname = prefixLabel(prefix);
		const mode = attachModeOf(args);
		await runConsole(name, mode, prefix, pname, args.glass === true);
	},
});

async function runConsole(name: string, attachMode: AttachMode, prefix: number, pname: string, glass: boolean): Promise<void> {
	let client = await connectDaemon();
	let session = client.console(name, { glass });
	const close = () => client.close();
	const out = process.stdout;
	const stdin = process.stdin;
	const sanitizer = new Sanitizer();
	const note = (text: string) => out.write(`\r\n[obsdtui: ${text}]\r\n`);
	let armed = false;
	let confirmBreak = false;
	let resolveDone: () => void = () => {};
	const done = new Promise<void>((resolve) => (resolveDone = resolve));

	const finish = (why?: string) => {
		if (stdin.isTTY) stdin.setRawMode(false);
		stdin.pause();
		out.write(RESTORE_TERMINAL);
		if (why) note(why);
		out.write('\r\n');
		close();
		resolveDone();
	};

	let detached = false;
	const keys = (chunk: Buffer) => {
		let pass: number[] = [];
		const flush = () => {
			if (pass.length) session.write(Buffer.from(pass));
			pass = [];
		};
		for (const b of chunk) {
			if (confirmBreak) {
				confirmBreak = false;
				if (b === 0x79 || b === 0x59) session.sendBreak().then(() => note('BREAK sent'), (e: Error) => note(e.message));
				else note('BREAK cancelled');
				continue;
			}
			if (!armed) {
				if (b === prefix) armed = true;
				else pass.push(b);
				continue;
			}
			armed = false;
			const c = String.fromCharCode(b).toLowerCase();
			if (b === prefix) pass.push(b);
			else if (c === 'q' || c === 'd' || c === '.') {
				flush();
				detached = true;
				void session.detach().finally(() => finish('detached'));
				return;
			} else if (c === 't') session.takeover().catch((e: Error) => note(e.message));
			else if (c === 'b') {
				confirmBreak = true;
				note(glass ? 'send Ctrl+Alt+Esc? With ddb.console=1 OpenBSD enters ddb. y/N' : 'send BREAK? On OpenBSD it can drop the guest into ddb. y/N');
			} else out.write(HELP(pname));
		}
		flush();
	};

	// Like cu(1): the "attached" line first, then the guest's screen exactly as it is
	// (many terminals keep the cleared screen, and so that line, in their scrollback).
	// The snapshot can arrive before the reply to attach, so output waits for the reply.
	let held: (() => void)[] | null = [];
	const emit = (paint: () => void) => (held ? held.push(paint) : paint());
	const announce = (text: string) => {
		note(text);
		for (const paint of held ?? []) paint();
		held = null;
	};
	// Listeners first, then the request.
	const follow = (sess: ConsoleSession) => {
		sess.on('snapshot', (ansi: Buffer) => {
			if (sess !== session) return;
			emit(() => {
				// Paint the current screen (and some scrollback) before the live stream.
				out.write('\x1b[H\x1b[2J');
				out.write(sanitizer.filter(ansi));
			});
		});
		sess.on('data', (bytes: Buffer) => {
			if (sess === session) emit(() => out.write(sanitizer.filter(bytes)));
		});
		sess.on('event', (ev: Record<string, unknown>) => {
			if (sess !== session) return;
			if (ev.event === 'audit') note(String(ev.text));
			else if (ev.event === 'notice') note(String(ev.message));
			else if (ev.event === 'mode') note(ev.writer ? 'you now hold the console (read-write)' : `read-only now: ${ev.by ?? 'another viewer'} took over`);
			else if (ev.event === 'state') note(`VM ${ev.state}`);
		});
		sess.on('end', (why: string) => {
			if (sess !== session || detached) return;
			// The daemon went away, not the VM: reconnect (which starts a new daemon,
			// which adopts the VM) and attach again.
			note(client.host ? `${why}; reconnecting` : 'the daemon went away; reconnecting');
			reconnectDaemon().then(
				async (next) => {
					client = next;
					session = next.console(name, { glass });
					held = [];
					follow(session);
					await session.attach(attachMode === 'takeover' ? 'rw' : attachMode);
					announce(`re-attached, ${session.mode === 'spy' ? 'spy' : session.writer ? 'read-write' : 'read-only'}`);
				},
				() => finish(why),
			).catch((err: Error) => finish(err.message));
		});
	};
	follow(session);
	await session.attach(attachMode);
	// A VM `create` made and nobody started has no console yet.
	if (session.vm?.state === 'created') {
		await session.detach();
		throw new UserError(`${session.name} has not been started yet: obsdtui up ${session.name}`);
	}

	const mode = session.mode === 'spy' ? 'spy (read-only)' : session.writer ? 'read-write' : 'read-only (another viewer is writing)';
	announce(`attached to ${session.name}${glass ? "'s glass console" : ''}, ${mode}; ${pname} ? for help`);
	if (stdin.isTTY) stdin.setRawMode(true);
	stdin.resume();
	stdin.on('data', keys);
	stdin.on('end', () => {
		// Keys from a pipe ran out: keep watching unless stdin was a terminal.
		if (stdin.isTTY) finish('stdin closed');
	});
	return done;
}

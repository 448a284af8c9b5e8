// obsdtui send NAME TEXT: type into a console from a script.
import { command } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';

/** C-style escapes for -e: \r \n \t \e \\ \xHH. */
export function unescape(text: string): Buffer {
	const out: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c !== '\\' || i + 1 >= text.length) {
			out.push(...Buffer.from(c, 'utf8'));
			continue;
		}
		const n = text[++i];
		const simple: Record<string, number> = { r: 13, n: 10, t: 9, e: 27, '\\': 92, '0': 0 };
		if (n in simple) out.push(simple[n]);
		else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
			out.push(parseInt(text.slice(i + 1, i + 3), 16));
			i += 2;
		} else throw new UserError(`unknown escape \\${n} (known: \\r \\n \\t \\e \\\\ \\0 \\xHH)`);
	}
	return Buffer.from(out);
}

export default command({
	command: 'send <name> [text]',
	describe: 'Type TEXT into the console, then Enter (CR); --break sends a serial BREAK first',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.positional('text', { type: 'string' })
			.option('no-enter', { alias: 'n', type: 'boolean', describe: 'do not press Enter after TEXT' })
			.option('escapes', { alias: 'e', type: 'boolean', describe: 'interpret \\r \\n \\t \\e \\xHH in TEXT' })
			.option('break', { type: 'boolean', describe: 'send a serial BREAK before TEXT (on OpenBSD with ddb.console=1 it enters ddb)' })
			.option('glass', { type: 'boolean', describe: 'type on the glass console (key presses over VNC); with --break: Ctrl+Alt+Esc' }),
	handler: async (args) => {
		const name = vmArg(args.name);
		if (args.text === undefined && !args.break) throw new UserError('nothing to send: give TEXT or --break');
		const text = String(args.text ?? '');
		let data = args.escapes ? unescape(text) : Buffer.from(text, 'utf8');
		if (!args.noEnter && args.text !== undefined) data = Buffer.concat([data, Buffer.from('\r')]);
		const client = await connectDaemon();
		try {
			const glass = args.glass === true ? { glass: true } : {};
			if (args.break) await client.request('break', { name, ...glass });
			if (data.length) await client.request('send', { name, data: data.toString('base64'), ...glass });
		} finally {
			client.close();
		}
	},
});

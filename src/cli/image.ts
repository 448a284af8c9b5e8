// obsdtui image fetch VERSION|snapshots: download and signify-verify OpenBSD install media
// into the cache; obsdtui image keys: the keys a signature is checked against.
import { command, printJson } from './command.ts';
import { UserError } from '../common/errors.ts';
import { DEFAULT_ARCH, DEFAULT_MIRROR, DEFAULT_STALL_SECONDS, fetchImage, formatBytes, type FetchEvent } from '../image/fetch.ts';
import { describeKeys, trustedKeys } from '../image/keys.ts';

function duration(s: number): string {
	if (!Number.isFinite(s)) return '?';
	s = Math.round(s);
	return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * How fetch progress is shown: JSON events on stdout (--json); on a terminal one line on
 * stderr, redrawn; otherwise plain lines (start, every quarter, end), nothing redrawn.
 */
export function progressPrinter(json: boolean, tty: boolean, out: (s: string) => void = (s) => process.stderr.write(s)): (e: FetchEvent) => void {
	if (json) return (e) => printJson(e);
	let redrawn = false;
	let quarter = 0;
	return (e) => {
		switch (e.event) {
			case 'signature':
				out(`SHA256.sig: signature verified with ${e.key}\n`);
				break;
			case 'cached':
				out(`${e.file}: in the cache\n`);
				break;
			case 'start':
				quarter = e.total ? Math.floor((e.offset / e.total) * 4) : 0;
				if (!tty) out(`${e.file}: ${e.offset > 0 ? `resuming at ${formatBytes(e.offset)} ` : ''}from ${e.url}${e.total !== undefined ? ` (${formatBytes(e.total)})` : ''}\n`);
				break;
			case 'progress': {
				const of = e.total !== undefined ? ` / ${formatBytes(e.total)}` : '';
				if (tty) {
					const eta = e.eta !== undefined ? `  ETA ${duration(e.eta)}` : '';
					out(`\r\x1b[K${e.file}  ${formatBytes(e.bytes)}${of}  ${formatBytes(Math.round(e.rate))}/s${eta}`);
					redrawn = true;
				} else if (e.total) {
					const q = Math.floor((e.bytes / e.total) * 4);
					if (q > quarter && q < 4) {
						quarter = q;
						out(`${e.file}: ${formatBytes(e.bytes)}${of}\n`);
					}
				}
				break;
			}
			case 'done':
				if (tty && redrawn) out('\r\x1b[K');
				redrawn = false;
				out(`${e.file}: ${formatBytes(e.bytes)} in ${duration(e.seconds)}\n`);
				break;
			case 'verified':
				out(`${e.file}: SHA256 matches the signed list\n`);
				break;
		}
	};
}

export default command({
	command: 'image <action> [version]',
	describe: 'OpenBSD install media: fetch VERSION|snapshots (signify-verified, cached), or list the trusted keys',
	builder: (y) =>
		y
			.positional('action', { choices: ['fetch', 'keys'] as const })
			.positional('version', { type: 'string', describe: 'release (7.9) or snapshots' })
			.option('arch', { type: 'string', describe: `architecture (default ${DEFAULT_ARCH})` })
			.option('file', { type: 'string', describe: 'file to fetch (default minirootXY.img)' })
			.option('mirror', { type: 'string', describe: `mirror URL above VERSION/ARCH (default ${DEFAULT_MIRROR})` })
			.option('key', { type: 'string', array: true, describe: 'also trust this signify public key file, repeatable' })
			.option('stall', { type: 'number', describe: `seconds without data before a transfer counts as stalled (default ${DEFAULT_STALL_SECONDS})` })
			.option('json', { type: 'boolean', describe: 'JSON events on stdout, one per line' }),
	handler: async (args) => {
		const keys = Array.isArray(args.key) ? args.key.map(String) : [];
		if (args.action === 'keys') {
			const list = trustedKeys(keys);
			if (args.json) printJson(list.map((k) => ({ name: k.name, keynum: k.key.keynum, source: k.source })));
			else process.stdout.write(describeKeys(list).join('\n') + '\n');
			return;
		}
		if (args.version === undefined) throw new UserError('image fetch needs a VERSION (e.g. 7.9) or snapshots');
		if (args.stall !== undefined && !(Number(args.stall) > 0)) throw new UserError('--stall must be a number of seconds above 0');
		const r = await fetchImage({
			version: String(args.version),
			arch: args.arch !== undefined ? String(args.arch) : undefined,
			file: args.file !== undefined ? String(args.file) : undefined,
			mirror: args.mirror !== undefined ? String(args.mirror) : undefined,
			keys,
			stallSeconds: args.stall !== undefined ? Number(args.stall) : undefined,
			onEvent: progressPrinter(args.json === true, process.stderr.isTTY === true),
		});
		if (!args.json) process.stdout.write(`${r.path}\n`);
	},
});

// obsdtui dmesg NAME|FILE [--boot N|last]: the kernel messages of one boot, byte-exact,
// read straight from the console log on disk (no daemon needed).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { command } from './command.ts';
import { UserError } from '../common/errors.ts';
import { vmDir } from '../common/paths.ts';
import { dmesgOfLogFile, scanLogFile } from '../helper/logscan.ts';
import { isRemote, splitVmArg, vmArg } from '../client/hosts.ts';
import { fetchLog } from '../client/remote-log.ts';

export interface LogSource {
	path: string;
	/** The VM name when the argument named a VM rather than a file. */
	vm: string | null;
}

/** A FILE if one exists at that path, else the newest boot.NNN.log of the VM of that name. */
export function resolveLog(arg: string): LogSource {
	if (existsSync(arg) && statSync(arg).isFile()) return { path: arg, vm: null };
	const looksLikePath = arg.includes('/') || arg.endsWith('.log') || arg.endsWith('.txt');
	let dir: string;
	try {
		dir = vmDir(arg);
	} catch {
		throw new UserError(`${arg}: no such file${looksLikePath ? '' : ' or VM'}`);
	}
	const logs = existsSync(dir) ? readdirSync(dir).filter((f) => /^boot\.\d+\.log$/.test(f)) : [];
	if (logs.length === 0) throw new UserError(`${arg}: no such file, and no console log for a VM of that name in ${dir}`);
	logs.sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
	return { path: join(dir, logs.at(-1)!), vm: arg };
}

/**
 * Where a VM's kernel messages are: its console log, unless that has no kernel output and
 * the glass console's stream of the same boot has (under Apple's Virtualization framework
 * the kernel console is the framebuffer). A file given by path is taken as it is.
 */
export async function kernelLog(src: LogSource): Promise<LogSource & { glass: boolean }> {
	const glass = src.path.replace(/\.log$/, '.glass');
	if (!src.vm || glass === src.path || !existsSync(glass)) return { ...src, glass: false };
	const hasKernel = async (path: string) => (await scanLogFile(path)).boots.some((b) => b.kernel !== null);
	if ((await hasKernel(src.path)) || !(await hasKernel(glass))) return { ...src, glass: false };
	process.stderr.write(`obsdtui: ${src.vm}: the serial console has no kernel output; reading the glass console (${glass})\n`);
	return { ...src, path: glass, glass: true };
}

/**
 * resolveLog for commands that also take HOST:VM (or -H): a VM on another host has its
 * newest log fetched through its daemon into a private temporary file (call `cleanup`).
 * A local file whose name has a colon is still a file.
 */
export async function openLogSource(arg: string): Promise<LogSource & { cleanup: () => void }> {
	const hostPart = arg.includes(':') && !existsSync(arg) && splitVmArg(arg).host !== undefined;
	if (hostPart || isRemote()) {
		const name = vmArg(arg);
		const got = await fetchLog(name);
		return { path: got.path, vm: name, cleanup: got.cleanup };
	}
	return { ...resolveLog(arg), cleanup: () => {} };
}

export function parseBoot(v: unknown): number | 'last' {
	if (v === undefined || v === 'last') return 'last';
	const n = Number(v);
	if (!Number.isInteger(n) || n < 1) throw new UserError(`--boot must be a boot number (1, 2, ...) or 'last', not ${JSON.stringify(v)}`);
	return n;
}

export default command({
	command: 'dmesg <target>',
	describe: 'Print the kernel messages of a boot (VM name or console log file), as dmesg.boot would hold them',
	builder: (y) =>
		y
			.positional('target', { type: 'string', describe: 'VM name (HOST:VM on another host) or console log file' })
			.option('boot', { type: 'string', describe: "boot number within the log, or 'last'", default: 'last' }),
	handler: async (args) => {
		const boot = parseBoot(args.boot);
		const src = await openLogSource(String(args.target));
		try {
			// Streamed: a log may be bigger than Node reads at once (its cap is 4 GiB).
			process.stdout.write(await dmesgOfLogFile((await kernelLog(src)).path, boot));
		} finally {
			src.cleanup();
		}
	},
});

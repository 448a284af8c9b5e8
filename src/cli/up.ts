// obsdtui up NAME: start a VM from a spec file and/or flags.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { command, printJson } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { UserError } from '../common/errors.ts';
import { vmDir } from '../common/paths.ts';
import { isRemote, vmArg } from '../client/hosts.ts';
import { parseGpuSize, parseNetFlag, parseSpec } from '../common/spec.ts';
import { loadFont } from '../devices/glass-files.ts';

function readSpecFile(path: string): Record<string, unknown> {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (err) {
		throw new UserError(`cannot read VM spec ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
	}
	try {
		const v = JSON.parse(text);
		if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
		return v;
	} catch (err) {
		throw new UserError(`VM spec ${path} is not valid JSON: ${(err as Error).message}`);
	}
}

const abs = (p: unknown) => (typeof p === 'string' ? resolve(p) : undefined);

/** Paths in a spec file are relative to the file, not to wherever the daemon runs. */
export function resolveSpecPaths(raw: Record<string, unknown>, base: string): void {
	for (const key of ['kernel', 'initrd'] as const) if (typeof raw[key] === 'string') raw[key] = resolve(base, raw[key] as string);
	if (typeof raw.efi === 'string') raw.efi = resolve(base, raw.efi);
	const fix = (d: unknown) => (typeof d === 'string' ? resolve(base, d) : d && typeof d === 'object' && typeof (d as { path?: unknown }).path === 'string' ? { ...d, path: resolve(base, (d as { path: string }).path) } : d);
	if (Array.isArray(raw.disks)) raw.disks = raw.disks.map(fix);
	if (raw.disk !== undefined) raw.disk = fix(raw.disk);
}

/**
 * `up` on another host: paths in flags name files there, so they are sent as given (they
 * must be absolute); without flags that say what to boot, that host's saved spec is used.
 */
async function upRemote(name: string, args: Record<string, unknown>): Promise<void> {
	const raw: Record<string, unknown> = args.spec ? readSpecFile(String(args.spec)) : {};
	const path = (p: unknown) => {
		const s = String(p);
		if (!s.startsWith('/')) throw new UserError(`${s}: with a remote host, paths must be absolute (they name files on that host)`);
		return s;
	};
	for (const key of ['kernel', 'initrd'] as const) if (args[key] !== undefined) raw[key] = path(args[key]);
	for (const key of ['append', 'cpus', 'mem', 'accel', 'cpu', 'cols', 'rows', 'hang', 'logMax', 'logKeep', 'logQuota'] as const) if (args[key] !== undefined) raw[key] = args[key];
	if (Array.isArray(args.disk)) raw.disks = args.disk.map(path);
	if (args.efi !== undefined) raw.efi = args.efi === '' ? true : path(args.efi);
	if (args.net !== undefined) raw.net = parseNetFlag(String(args.net), name);
	if (args.gpu !== undefined) raw.gpu = parseGpuSize(String(args.gpu));
	if (args.glassFont !== undefined) raw.glassFonts = (args.glassFont as string[]).map(path);
	if (args.exec !== undefined) raw.command = String(args.exec);
	if (args.serial !== undefined) raw.serial = { device: path(args.serial), ...(args.speed ? { speed: args.speed } : {}) };
	const bootFlags = ['kernel', 'initrd', 'disk', 'efi', 'exec', 'serial'].some((k) => args[k] !== undefined);
	const saved = !args.spec && !bootFlags;
	const client = await connectDaemon();
	try {
		const { vm } = await client.request<{ vm: Record<string, unknown> }>('up', saved ? { name, saved: true, overrides: raw } : { name, spec: { ...raw, name } });
		if (args.json) printJson(vm);
		else process.stdout.write(`${client.host}:${name}: ${vm.state} (${vm.backend}, boot ${vm.boot}), log ${vm.log}\n`);
	} finally {
		client.close();
	}
}

export default command({
	command: 'up <name>',
	describe: 'Start a VM (from its saved spec, --spec FILE and/or flags)',
	builder: (y) =>
		y
			.positional('name', { type: 'string', describe: 'VM name' })
			.option('spec', { alias: 'f', type: 'string', describe: 'VM spec file (JSON); flags override it' })
			.option('kernel', { type: 'string', describe: 'kernel image (-kernel)' })
			.option('initrd', { type: 'string', describe: 'initial ramdisk' })
			.option('append', { type: 'string', describe: 'kernel command line' })
			.option('disk', { type: 'string', array: true, describe: 'disk image (raw or .qcow2), repeatable' })
			.option('efi', { type: 'string', describe: 'boot UEFI firmware (optional path; default: the distribution\'s)' })
			.option('cpus', { type: 'number' })
			.option('mem', { type: 'number', describe: 'memory in MB' })
			.option('accel', { choices: ['auto', 'tcg', 'kvm', 'hvf'] as const })
			.option('cpu', { type: 'string', describe: 'QEMU -cpu model' })
			.option('net', { type: 'string', describe: 'user|observe|none[,mtu=N][,mac=M]' })
			.option('gpu', { type: 'string', describe: 'add virtio-gpu with this resolution, e.g. 1280x800' })
			.option('glass-font', { type: 'string', array: true, describe: 'a PSF font file the glass console reader tries besides Spleen (repeatable)' })
			.option('cols', { type: 'number', describe: 'guest terminal columns (default 80)' })
			.option('rows', { type: 'number', describe: 'guest terminal rows (default 24)' })
			.option('hang', { type: 'number', describe: 'seconds of console silence before a hang is flagged (default 60)' })
			.option('log-max', { type: 'number', describe: 'cap of each boot\'s console log in MiB; past it output is shown, not logged (default 4096)' })
			.option('log-keep', { type: 'number', describe: 'keep the logs of at most this many boots, this one included (default 20)' })
			.option('log-quota', { type: 'number', describe: 'remove the oldest finished boots\' logs past this many MiB (default 16384)' })
			.option('exec', { type: 'string', describe: 'use a command\'s stdio as the console (sh -c)' })
			.option('serial', { type: 'string', describe: 'watch a serial device, e.g. /dev/ttyUSB0' })
			.option('speed', { type: 'number', describe: 'serial speed (default 115200)' })
			.option('json', { type: 'boolean', describe: 'print the VM as JSON' }),
	handler: async (args) => {
		const name = vmArg(args.name);
		if (isRemote()) {
			await upRemote(name, args);
			return;
		}
		// Without --spec and without flags that say what to boot, the VM starts from its saved
		// spec (written by `create`, or by its last `up`); the other flags still override it.
		const saved = join(vmDir(name), 'spec.json');
		const bootFlags = ['kernel', 'initrd', 'disk', 'efi', 'exec', 'serial'].some((k) => args[k] !== undefined);
		const fromSaved = !args.spec && !bootFlags && existsSync(saved);
		const raw: Record<string, unknown> = args.spec ? readSpecFile(String(args.spec)) : fromSaved ? readSpecFile(saved) : {};
		if (args.spec) resolveSpecPaths(raw, dirname(resolve(String(args.spec))));
		for (const key of ['kernel', 'initrd'] as const) if (args[key] !== undefined) raw[key] = abs(args[key]);
		for (const key of ['append', 'cpus', 'mem', 'accel', 'cpu', 'cols', 'rows', 'hang', 'logMax', 'logKeep', 'logQuota'] as const) if (args[key] !== undefined) raw[key] = args[key];
		if (Array.isArray(args.disk)) raw.disks = args.disk.map((d) => resolve(String(d)));
		if (args.efi !== undefined) raw.efi = args.efi === '' ? true : resolve(String(args.efi));
		if (args.net !== undefined) raw.net = parseNetFlag(String(args.net), name);
		if (args.gpu !== undefined) raw.gpu = parseGpuSize(String(args.gpu));
		if (args.glassFont !== undefined) {
			// Checked here, where a bad file is a one-line error, not later in the daemon.
			raw.glassFonts = (args.glassFont as string[]).map((f) => resolve(String(f)));
			for (const f of raw.glassFonts as string[]) loadFont(f);
		}
		if (args.exec !== undefined) raw.command = String(args.exec);
		if (args.serial !== undefined) raw.serial = { device: String(args.serial), ...(args.speed ? { speed: args.speed } : {}) };
		if (raw.name !== undefined && raw.name !== name) throw new UserError(`the spec names the VM '${raw.name}', not '${name}'`);
		// Validate here too, so a bad spec fails before any daemon is started.
		const spec = parseSpec({ ...raw, name }, name, args.spec ? String(args.spec) : fromSaved ? saved : 'VM spec');
		const client = await connectDaemon();
		try {
			const { vm } = await client.request<{ vm: Record<string, unknown> }>('up', { name, spec });
			if (args.json) printJson(vm);
			else process.stdout.write(`${name}: ${vm.state} (${spec.backend}, boot ${vm.boot}), log ${vm.log}\n`);
		} finally {
			client.close();
		}
	},
});

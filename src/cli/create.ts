// obsdtui create NAME: fetch (or reuse) verified install media, make the VM's disk and
// spec; `obsdtui up NAME` then boots the installer.
import { readFileSync } from 'node:fs';
import { command, printJson, type Args } from './command.ts';
import { UserError } from '../common/errors.ts';
import { checkVmName } from '../common/paths.ts';
import { parseGpuSize, parseNetFlag } from '../common/spec.ts';
import { createVm, parseSize } from '../image/create.ts';
import { DEFAULT_ARCH, DEFAULT_MIRROR, DEFAULT_STALL_SECONDS } from '../image/fetch.ts';
import { AUTOINSTALL_ADDRESS, AUTOINSTALL_URL, responseFile, SETS_DIRECTORY, setsLocation } from '../image/autoinstall.ts';
import { progressPrinter } from './image.ts';

const AI_FLAGS = ['hostname', 'rootPasswordHash', 'rootSshKey', 'timezone', 'sets'] as const;

function readText(path: string, what: string): string {
	try {
		return readFileSync(path, 'utf8');
	} catch (err) {
		throw new UserError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
	}
}

/** The response file: the user's (--autoinstall FILE) or one made from the flags. */
function autoinstallText(args: Args, name: string, from: string): string {
	const given = String(args.autoinstall);
	if (given !== '') {
		const used = AI_FLAGS.filter((k) => args[k] !== undefined);
		if (used.length) throw new UserError(`--autoinstall ${given} is a whole response file: drop --${used.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')}`);
		return readText(given, 'response file');
	}
	const isRelease = !from.includes('/') && (from === 'snapshots' || /^\d\.\d$/.test(from));
	const loc = args.setsFromCache
		? { server: AUTOINSTALL_ADDRESS, directory: SETS_DIRECTORY }
		: isRelease ? setsLocation(args.mirror !== undefined ? String(args.mirror) : DEFAULT_MIRROR, from, args.arch !== undefined ? String(args.arch) : DEFAULT_ARCH) : undefined;
	try {
		return responseFile({
			hostname: args.hostname !== undefined ? String(args.hostname) : name.replace(/[^A-Za-z0-9-]/g, '-'),
			rootPasswordHash: args.rootPasswordHash !== undefined ? String(args.rootPasswordHash) : undefined,
			rootSshKey: args.rootSshKey !== undefined ? readText(String(args.rootSshKey), 'SSH public key').trim() : undefined,
			timezone: args.timezone !== undefined ? String(args.timezone) : undefined,
			sets: args.sets !== undefined ? String(args.sets) : undefined,
			setsServer: loc?.server,
			setsDirectory: loc?.directory,
		});
	} catch (err) {
		throw new UserError(`--autoinstall: ${(err as Error).message}`);
	}
}

export default command({
	command: 'create <name>',
	describe: 'Make a VM that boots OpenBSD install media: verified media, a disk, a spec (then: obsdtui up NAME)',
	builder: (y) =>
		y
			.positional('name', { type: 'string', describe: 'VM name' })
			.option('from', { type: 'string', describe: 'release (7.9), snapshots, or an image file (default 7.9)' })
			.option('disk-size', { type: 'string', describe: 'size of the VM\'s disk (default 20G)' })
			.option('backend', { choices: ['qemu', 'apple'] as const, describe: 'default qemu' })
			.option('cpus', { type: 'number' })
			.option('mem', { type: 'number', describe: 'memory in MB' })
			.option('gpu', { type: 'string', describe: 'add virtio-gpu with this resolution, e.g. 1280x800' })
			.option('net', { type: 'string', describe: 'user|observe|none[,mtu=N][,mac=M]' })
			.option('arch', { type: 'string', describe: 'architecture of the media (default arm64)' })
			.option('file', { type: 'string', describe: 'media file in the release (default minirootXY.img)' })
			.option('mirror', { type: 'string', describe: 'mirror URL above VERSION/ARCH' })
			.option('key', { type: 'string', array: true, describe: 'also trust this signify public key file, repeatable' })
			.option('stall', { type: 'number', describe: `seconds without data before a transfer counts as stalled (default ${DEFAULT_STALL_SECONDS})` })
			.option('autoinstall', { type: 'string', describe: 'unattended install: a response file, or none to make one from the flags below' })
			.option('hostname', { type: 'string', describe: 'autoinstall: host name (default: the VM name)' })
			.option('root-password-hash', { type: 'string', describe: 'autoinstall: root password as a bcrypt hash (encrypt(1))' })
			.option('root-ssh-key', { type: 'string', describe: 'autoinstall: file with root\'s SSH public key' })
			.option('timezone', { type: 'string', describe: 'autoinstall: e.g. Europe/Berlin' })
			.option('sets', { type: 'string', describe: 'autoinstall: set selection, e.g. "-game* -x*"' })
			.option('sets-from-cache', { type: 'boolean', describe: 'autoinstall: the installer gets the sets from the image cache, not the mirror' })
			.option('json', { type: 'boolean', describe: 'fetch events and the result as JSON lines' }),
	handler: async (args) => {
		const name = checkVmName(args.name);
		for (const k of ['cpus', 'mem', 'stall'] as const) {
			if (args[k] !== undefined && !(Number(args[k]) > 0)) throw new UserError(`--${k} must be a number above 0`);
		}
		const from = args.from !== undefined ? String(args.from) : '7.9';
		const autoinstall = args.autoinstall !== undefined ? autoinstallText(args, name, from) : undefined;
		const created = await createVm({
			name,
			from,
			diskSize: parseSize(args.diskSize !== undefined ? String(args.diskSize) : '20G'),
			backend: args.backend === 'apple' ? 'apple' : 'qemu',
			cpus: args.cpus as number | undefined,
			mem: args.mem as number | undefined,
			gpu: args.gpu !== undefined ? parseGpuSize(String(args.gpu)) : undefined,
			net: args.net !== undefined ? parseNetFlag(String(args.net), name) : undefined,
			arch: args.arch !== undefined ? String(args.arch) : undefined,
			file: args.file !== undefined ? String(args.file) : undefined,
			mirror: args.mirror !== undefined ? String(args.mirror) : undefined,
			keys: Array.isArray(args.key) ? args.key.map(String) : [],
			stallSeconds: args.stall as number | undefined,
			onEvent: progressPrinter(args.json === true, process.stderr.isTTY === true),
			autoinstall,
			setsFromCache: args.setsFromCache === true,
		});
		if (args.json) printJson({ event: 'created', name, dir: created.dir, disk: created.disk, media: created.media, spec: created.spec });
		else {
			const ai = created.spec.autoinstall ? `, response file ${created.spec.autoinstall} (served at ${AUTOINSTALL_URL})` : '';
			process.stdout.write(`${name}: created (${created.spec.backend}), disk ${created.disk}, media ${created.media}${ai}\nstart it with: obsdtui up ${name}\n`);
		}
	},
});

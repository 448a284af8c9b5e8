// obsdtui ls: the VMs the daemon knows, running or not.
import { command, printJson } from './command.ts';
import { connectDaemon, type DaemonClient, type VmInfo } from '../client/client.ts';
import { LOCAL, readHostsFile, type Host } from '../client/hosts.ts';
import { errorMessage, UserError } from '../common/errors.ts';
import { vmDir } from '../common/paths.ts';
import { logUsage, reasonText, userQuotaBytes, type LogUsage } from '../helper/retention.ts';
import { fmtBytes } from '../common/bytes.ts';

export { fmtBytes };


/** Log usage of each VM, read from the state dir (this command runs as the daemon's user). */
function usageOf(name: string): LogUsage {
	try {
		return logUsage(vmDir(name));
	} catch {
		return { boots: 0, bytes: 0, pruned: [] };
	}
}

export function formatTable(rows: string[][]): string {
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
	return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function vmRow(vm: VmInfo): string[] {
	const state = vm.state === 'exited' && vm.exit ? `exited(${vm.exit.signal ?? vm.exit.status})` : vm.state;
	return [vm.name, vm.backend, state, String(vm.boot), vm.stage ?? '-', String(vm.viewers), vm.crash ?? vm.alerts.join('; ')];
}

export default command({
	command: 'ls',
	describe: 'List VMs',
	builder: (y) =>
		y
			.option('json', { type: 'boolean', describe: 'print JSON' })
			.option('all', { alias: 'a', type: 'boolean', describe: 'every host in the hosts file and this one, with a HOST column' })
			.option('timeout', { type: 'number', default: 10, describe: 'with --all: seconds to wait for each host' }),
	handler: async (args) => {
		if (args.all) {
			const timeout = Number(args.timeout);
			if (!(timeout > 0)) throw new UserError('--timeout must be a positive number of seconds');
			await lsAll(timeout, args.json === true);
			return;
		}
		const client = await connectDaemon();
		try {
			const vms = await client.ls();
			if (client.host) {
				// Log usage is read from the state dir, which is on that host: not shown here.
				if (args.json) printJson({ vms });
				else if (!vms.length) process.stdout.write(`no VMs on ${client.host}\n`);
				else process.stdout.write(formatTable([['NAME', 'BACKEND', 'STATE', 'BOOT', 'STAGE', 'VIEWERS', 'ALERTS'], ...vms.map(vmRow)]));
				return;
			}
			const usage = new Map(vms.map((vm) => [vm.name, usageOf(vm.name)]));
			if (args.json) {
				printJson({ vms: vms.map((vm) => ({ ...vm, logs: usage.get(vm.name) })) });
				return;
			}
			if (!vms.length) {
				process.stdout.write('no VMs (start one with: obsdtui up NAME --kernel ... or obsdtui demo)\n');
				return;
			}
			process.stdout.write(formatTable([['NAME', 'BACKEND', 'STATE', 'BOOT', 'LOGS', 'STAGE', 'VIEWERS', 'ALERTS'], ...vms.map((vm) => logsColumn(vmRow(vm), usage.get(vm.name)!))]));
			process.stdout.write(retentionSummary([...usage.values()]));
		} finally {
			client.close();
		}
	},
});

export type HostListing = { host: string; ok: true; vms: VmInfo[] } | { host: string; ok: false; error: string };

/**
 * One host's VMs, or why not, within `seconds`: a host that does not answer in time (or
 * is down) is reported as such and its ssh ended, so it never holds up the others.
 */
export async function listHost(host: Host | null, seconds: number): Promise<HostListing> {
	const name = host?.name ?? LOCAL;
	const ac = new AbortController();
	let timer: NodeJS.Timeout | undefined;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			ac.abort();
			reject(new UserError(`no answer within ${seconds} s`));
		}, seconds * 1000);
	});
	let client: DaemonClient | undefined;
	try {
		client = await Promise.race([connectDaemon({ host, signal: ac.signal }), expired]);
		const vms = await Promise.race([client.ls(), expired]);
		return { host: name, ok: true, vms };
	} catch (err) {
		const msg = errorMessage(err);
		return { host: name, ok: false, error: msg.startsWith(`${name}: `) ? msg.slice(name.length + 2) : msg };
	} finally {
		clearTimeout(timer);
		client?.close();
	}
}

async function lsAll(seconds: number, json: boolean): Promise<void> {
	const hosts = readHostsFile();
	const results = await Promise.all([listHost(null, seconds), ...hosts.map((h) => listHost(h, h.timeoutS ?? seconds))]);
	if (json) {
		printJson({ hosts: results });
		return;
	}
	const rows = [['HOST', 'NAME', 'BACKEND', 'STATE', 'BOOT', 'STAGE', 'VIEWERS', 'ALERTS']];
	for (const r of results) {
		if (!r.ok) rows.push([r.host, '-', '-', 'unreachable', '-', '-', '-', r.error]);
		else if (!r.vms.length) rows.push([r.host, '-', '-', 'no VMs', '-', '-', '-', '']);
		else for (const vm of r.vms) rows.push([r.host, ...vmRow(vm)]);
	}
	process.stdout.write(formatTable(rows));
}

/** vmRow with a LOGS column after BOOT: space used by the boots kept. */
function logsColumn(row: string[], u: LogUsage): string[] {
	return [...row.slice(0, 4), `${fmtBytes(u.bytes)}/${u.boots}`, ...row.slice(4)];
}

/** One line about the total and what retention removed, when it removed anything. */
export function retentionSummary(usage: LogUsage[]): string {
	const total = usage.reduce((n, u) => n + u.bytes, 0);
	const pruned = usage.flatMap((u) => u.pruned);
	let line = `logs: ${fmtBytes(total)} of ${fmtBytes(userQuotaBytes())} (OBSDTUI_LOG_QUOTA)`;
	if (pruned.length) {
		const last = pruned.reduce((a, b) => (b.ms > a.ms ? b : a));
		line += `; retention removed ${pruned.length} boot${pruned.length === 1 ? '' : 's'} (${fmtBytes(pruned.reduce((n, p) => n + p.bytes, 0))}), last ${last.vm} boot ${last.boot}: ${reasonText(last.reason)}`;
	}
	return line + '\n';
}

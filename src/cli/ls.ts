// obsdtui ls: the VMs the daemon knows, running or not.
import { command, printJson } from './command.ts';
import { connectDaemon, type VmInfo } from '../client/client.ts';
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
	builder: (y) => y.option('json', { type: 'boolean', describe: 'print JSON' }),
	handler: async (args) => {
		const client = await connectDaemon();
		try {
			const vms = await client.ls();
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

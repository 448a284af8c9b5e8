// obsdtui ls: the VMs the daemon knows, running or not.
import { command, printJson } from './command.ts';
import { connectDaemon, type VmInfo } from '../client/client.ts';

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
			if (args.json) {
				printJson({ vms });
				return;
			}
			if (!vms.length) {
				process.stdout.write('no VMs (start one with: obsdtui up NAME --kernel ... or obsdtui demo)\n');
				return;
			}
			process.stdout.write(formatTable([['NAME', 'BACKEND', 'STATE', 'BOOT', 'STAGE', 'VIEWERS', 'ALERTS'], ...vms.map(vmRow)]));
		} finally {
			client.close();
		}
	},
});

// Client-protocol operations beyond the core ones in server.ts: device evidence for the
// MTU and framebuffer panels. Each is glue over a VM; the logic lives in src/devices/.
import { UserError } from '../common/errors.ts';
import { hwfeaturesCommand, parseIfconfig } from '../devices/ifconfig.ts';
import type { OpHandler } from './server.ts';

type Msg = Record<string, unknown>;

function vmOf(ctx: Parameters<OpHandler>[0]) {
	const name = ctx.msg.name;
	if (typeof name !== 'string' || !name) throw new UserError("'name' must be a non-empty string");
	return ctx.daemon.registry.get(name);
}

export const extraOps: Record<string, OpHandler> = {
	/** `{name, probe?: {max?}, pcap?: path|null}` -> `{report}` (docs/virtio-panels.md). */
	net: async (ctx) => {
		const vm = vmOf(ctx);
		const { probe, pcap } = ctx.msg as Msg;
		if (pcap !== undefined && pcap !== null && typeof pcap !== 'string') throw new UserError("'pcap' must be a path or null");
		const probeArgs = probe === true ? {} : typeof probe === 'object' && probe !== null ? (probe as { max?: number }) : undefined;
		const result = await vm.requireDevices().netOp({ probe: probeArgs, pcap: pcap as string | null | undefined }, vm.guestDevices());
		const ifname = (ctx.msg as Msg).ifconfig;
		if (typeof ifname === 'string' && ifname) {
			let command: string;
			try {
				command = hwfeaturesCommand(ifname);
			} catch {
				throw new UserError(`not an interface name: ${JSON.stringify(ifname)}`);
			}
			const output = await vm.typeAtShell(command, ctx.session.who);
			result.report.ifconfig = parseIfconfig(output, ifname) ?? { name: ifname, error: `no '${ifname}: flags=...' line in the output` };
		}
		return result;
	},
	/** `{name, png?, fresh?, thumb?: {cols, rows}}` -> `{report}`. */
	screen: async (ctx) => {
		const vm = vmOf(ctx);
		const m = ctx.msg as Msg;
		const thumb = m.thumb as { cols?: unknown; rows?: unknown } | undefined;
		const args = {
			png: m.png === true,
			fresh: m.fresh === true,
			thumb: thumb && Number.isInteger(thumb.cols) && Number.isInteger(thumb.rows) ? { cols: Number(thumb.cols), rows: Number(thumb.rows) } : undefined,
		};
		return vm.requireDevices().screenOp(args, vm.guestDevices(), vm.hello?.started_ms);
	},
	/**
	 * `{name, thumb?: {cols, rows}}` -> what the TUI's side column shows for a live VM:
	 * `{stages, previous, net, screen}` (net/screen null until the VM's devices answer).
	 * Asking starts device sampling for this client until it disconnects.
	 */
	details: async (ctx) => {
		const vm = vmOf(ctx);
		const { stages, previous } = vm.timeline();
		let net = null;
		let screen = null;
		if (vm.devices && vm.state === 'running') {
			vm.watchPanels(ctx.session, true);
			const t = (ctx.msg as Msg).thumb as { cols?: unknown; rows?: unknown } | undefined;
			const thumb = t && Number.isInteger(t.cols) && Number.isInteger(t.rows) ? { cols: Number(t.cols), rows: Number(t.rows) } : undefined;
			const devices = vm.guestDevices();
			[net, screen] = await Promise.all([
				vm.devices.netOp({}, devices).then((r) => r.report, () => null),
				vm.devices.screenOp({ thumb }, devices, vm.hello?.started_ms).then((r) => r.report, () => null),
			]);
		}
		return { stages, previous, net, screen };
	},
	/** `{name, on}`: this client shows the device panels (sampling runs while anyone does). */
	panels: (ctx) => {
		const vm = vmOf(ctx);
		vm.watchPanels(ctx.session, ctx.msg.on === true);
		return {};
	},
};

// Client-protocol operations beyond the core ones in server.ts: device evidence for the
// MTU and framebuffer panels. Each is glue over a VM; the logic lives in src/devices/.
import { UserError } from '../common/errors.ts';
import { hwfeaturesCommand, parseIfconfig } from '../devices/ifconfig.ts';
import type { OpHandler } from './server.ts';
import { open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { encodeData, encodeJson } from '../common/frame.ts';
import { bootGlassPath, bootLogPath, listBoots } from '../helper/logfiles.ts';
import { hostFacts } from '../common/host-facts.ts';

type Msg = Record<string, unknown>;

function vmOf(ctx: Parameters<OpHandler>[0]) {
	const name = ctx.msg.name;
	if (typeof name !== 'string' || !name) throw new UserError("'name' must be a non-empty string");
	return ctx.daemon.registry.get(name);
}

/** A read_log data frame: big enough to be cheap over ssh, small next to the 16 MiB frame cap. */
const CHUNK = 256 * 1024;
/** How often `follow` looks for new bytes (the helper appends; the daemon does not see writes). */
const FOLLOW_MS = 200;

/**
 * `read_log`: stream a boot's log (or glass stream) as data frames, then a `read_log_end`
 * event. The reply comes first with the boot and the size then; bytes written meanwhile
 * are sent too. With `follow`, keeps sending until the VM is no longer running (as
 * `obsdtui log -f` does on disk). For clients on other machines, which cannot read the
 * state dir: a log may be gigabytes, so it is read and sent a chunk at a time, waiting
 * for the socket to drain rather than queueing it all.
 */
function readLog(ctx: Parameters<OpHandler>[0]): Msg {
	const vm = vmOf(ctx);
	const { session, msg } = ctx;
	if (session.viewer) throw new UserError('read_log on a connection attached to a console: detach first');
	const boots = listBoots(vm.dir);
	if (!boots.length) throw new UserError(`${vm.name} has no console logs yet`);
	const boot = msg.boot === undefined || msg.boot === 'last' ? boots[boots.length - 1] : Number(msg.boot);
	if (!boots.includes(boot)) throw new UserError(`no boot ${String(msg.boot)}; ${vm.name} has boots ${boots.join(', ')}`);
	const glass = msg.glass === true;
	const path = glass ? bootGlassPath(vm.dir, boot) : bootLogPath(vm.dir, boot);
	if (glass && !existsSync(path)) throw new UserError(`boot ${boot} of ${vm.name} has no glass console stream (the VM had no display, or nothing was read yet)`);
	const start = typeof msg.offset === 'number' && msg.offset > 0 ? Math.floor(msg.offset) : 0;
	const follow = msg.follow === true;
	const socket = session.socket;
	const id = msg.id;
	const live = () => boot === vm.boot && (vm.state === 'running' || vm.state === 'starting' || vm.state === 'stopping');
	const drained = () => new Promise<void>((resolve) => (socket.writableNeedDrain ? socket.once('drain', () => resolve()) : resolve()));
	const stream = async () => {
		const fh = await open(path, 'r');
		let pos = start;
		try {
			const buf = Buffer.allocUnsafe(CHUNK);
			for (;;) {
				if (socket.destroyed) return;
				const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
				if (bytesRead > 0) {
					pos += bytesRead;
					socket.write(encodeData(Buffer.from(buf.subarray(0, bytesRead))));
					await drained();
					continue;
				}
				if (!follow || !live()) break;
				await new Promise((r) => setTimeout(r, FOLLOW_MS));
			}
			if (!socket.destroyed) socket.write(encodeJson({ event: 'read_log_end', request: id, boot, end: pos }));
		} finally {
			await fh.close();
		}
	};
	// After the reply has gone out (the caller writes it once this returns).
	setImmediate(() => {
		stream().catch((err: unknown) => {
			if (!socket.destroyed) socket.write(encodeJson({ event: 'read_log_end', request: id, boot, error: `cannot read ${path}: ${(err as Error).message}` }));
		});
	});
	return { boot, path };
}

export const extraOps: Record<string, OpHandler> = {
	/** `{name, boot?, glass?, offset?, follow?}` -> `{boot, path}`, then data frames and a `read_log_end` event. */
	read_log: readLog,
	/** `{backend?}` -> `{facts}`: this machine's OS, Node, obsdtui, QEMU, for reports made elsewhere. */
	host_facts: (ctx) => ({ facts: hostFacts(typeof ctx.msg.backend === 'string' ? ctx.msg.backend : undefined) }),
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

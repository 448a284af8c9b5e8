// obsdtui net NAME: VIRTIO_NET_F_MTU evidence from the host (QMP), the guest (vio attach
// line) and the wire (--net observe), with a verdict. --probe asks the helper to find
// the largest frame the guest answers; --pcap records the wire to a file.
import { resolve } from 'node:path';
import { command, printJson } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';
import { formatNetReport } from '../devices/format.ts';
import type { NetReport } from '../devices/net.ts';

const PROBE_GUARD_MS = 120_000;

export default command({
	command: 'net <name>',
	describe: 'Show virtio-net MTU negotiation: host, guest and wire evidence, and a verdict',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('json', { type: 'boolean', describe: 'print JSON' })
			.option('probe', { type: 'boolean', describe: 'find the largest frame the guest answers (observe network)' })
			.option('probe-max', { type: 'number', default: 65535, describe: 'largest IP packet the probe tries' })
			.option('pcap', { type: 'string', describe: 'record the wire to this pcap file (observe network)' })
			.option('stop-pcap', { type: 'boolean', describe: 'stop recording the wire' })
			.option('ifconfig', { type: 'string', describe: "type 'ifconfig IF hwfeatures' at the guest's shell prompt (default IF vio0) for its mtu and hardmtu" }),
	handler: async (args) => {
		const name = vmArg(args.name);
		const client = await connectDaemon();
		try {
			const req: Record<string, unknown> = { name };
			if (typeof args.pcap === 'string') {
				if (!args.pcap) throw new UserError('--pcap needs a file name');
				req.pcap = resolve(args.pcap);
			}
			if (args.stopPcap) req.pcap = null;
			if (args.probe) req.probe = { max: Number(args.probeMax) };
			if (args.ifconfig !== undefined) req.ifconfig = args.ifconfig === '' ? 'vio0' : String(args.ifconfig);
			let { report } = await client.request<{ report: NetReport }>('net', req);
			if (args.probe) {
				const deadline = Date.now() + PROBE_GUARD_MS;
				while (report.wire?.probe.state === 'running' && Date.now() < deadline) {
					await new Promise((r) => setTimeout(r, 250));
					const ifconfig = report.ifconfig;
					({ report } = await client.request<{ report: NetReport }>('net', { name }));
					report.ifconfig = ifconfig;
				}
			}
			if (args.json) printJson({ name, ...report });
			else process.stdout.write(formatNetReport(name, report));
		} finally {
			client.close();
		}
	},
});

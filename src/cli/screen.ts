// obsdtui screen NAME: framebuffer health (resolution, lit fraction, last change) from
// the VM's VNC stream (QMP screendump for a QEMU VM without a gpu) and the guest's viogpu
// lines, with a verdict; -o saves a PNG.
import { writeFileSync } from 'node:fs';
import { command, printJson } from './command.ts';
import { connectDaemon } from '../client/client.ts';
import { vmArg } from '../client/hosts.ts';
import { UserError } from '../common/errors.ts';
import { formatScreenReport } from '../devices/format.ts';
import type { ScreenReport } from '../devices/screen.ts';

export default command({
	command: 'screen <name>',
	describe: 'Show framebuffer health (virtio-gpu) and optionally save the screen as PNG',
	builder: (y) =>
		y
			.positional('name', { type: 'string' })
			.option('json', { type: 'boolean', describe: 'print JSON' })
			.option('o', { alias: 'output', type: 'string', describe: 'write the screen to this PNG file' }),
	handler: async (args) => {
		const name = vmArg(args.name);
		const out = typeof args.o === 'string' ? args.o : undefined;
		const client = await connectDaemon();
		try {
			const { report } = await client.request<{ report: ScreenReport }>('screen', { name, png: Boolean(out), fresh: true });
			if (out) {
				if (!report.png) throw new UserError(`${name}: no screen to save (${report.verdict.text})`);
				writeFileSync(out, Buffer.from(report.png, 'base64'));
			}
			const { png: _png, ...rest } = report;
			if (args.json) printJson({ name, ...rest, ...(out ? { file: out } : {}) });
			else process.stdout.write(formatScreenReport(name, report) + (out ? `  saved  ${out}\n` : ''));
		} finally {
			client.close();
		}
	},
});

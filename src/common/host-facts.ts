// Facts about the machine the VMs run on, for bug reports: the OS, Node, obsdtui and
// QEMU versions. Asked of the daemon (`host_facts`) when the VMs are on another host.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

function firstLine(cmd: string, args: string[]): string | null {
	const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
	if (r.status !== 0 || !r.stdout) return null;
	return r.stdout.split('\n')[0].trim() || null;
}

export function hostFacts(backend: string | undefined): Record<string, string> {
	const facts: Record<string, string> = {
		host: `${os.type()} ${os.release()} ${os.arch()}`,
		node: process.version,
	};
	try {
		const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
		if (pkg.version) facts.obsdtui = pkg.version;
	} catch {
		// bundled without package.json next to it: the version is not essential
	}
	if (backend === undefined || backend === 'qemu') {
		const q = firstLine('qemu-system-aarch64', ['--version']);
		if (q) facts.qemu = q;
	}
	return facts;
}

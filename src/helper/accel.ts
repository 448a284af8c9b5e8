// Which QEMU accelerator and CPU model a VM gets. Hardware virtualisation only exists when
// the host is itself arm64: HVF on Apple silicon, KVM on arm64 Linux. Everywhere else it is
// TCG, where the CPU model decides the speed (see chooseAccel).
import { accessSync, constants } from 'node:fs';
import type { Accel, VmSpec } from '../common/spec.ts';
import { UserError } from '../common/errors.ts';

export interface HostInfo {
	platform: NodeJS.Platform;
	arch: string;
	/** /dev/kvm exists and we may read and write it. */
	kvmUsable: boolean;
}

export interface AccelChoice {
	accel: Exclude<Accel, 'auto'>;
	cpu: string;
	why: string;
}

export function kvmUsable(path = '/dev/kvm'): boolean {
	try {
		accessSync(path, constants.R_OK | constants.W_OK);
		return true;
	} catch {
		return false;
	}
}

export function currentHost(): HostInfo {
	return { platform: process.platform, arch: process.arch, kvmUsable: process.platform === 'linux' && kvmUsable() };
}

function hvfPossible(host: HostInfo): boolean {
	return host.platform === 'darwin' && host.arch === 'arm64';
}

function kvmPossible(host: HostInfo): boolean {
	return host.platform === 'linux' && host.arch === 'arm64' && host.kvmUsable;
}

function pick(spec: Pick<VmSpec, 'accel'>, host: HostInfo): { accel: AccelChoice['accel']; why: string } {
	switch (spec.accel) {
		case 'hvf':
			if (!hvfPossible(host)) throw new UserError(`accel hvf needs macOS on Apple silicon; this host is ${host.platform}/${host.arch} (use accel auto or tcg)`);
			return { accel: 'hvf', why: 'hvf requested in the spec' };
		case 'kvm':
			if (host.platform !== 'linux' || host.arch !== 'arm64') {
				throw new UserError(`accel kvm needs an arm64 Linux host; this host is ${host.platform}/${host.arch} (use accel auto or tcg)`);
			}
			if (!host.kvmUsable) throw new UserError('accel kvm: /dev/kvm is missing or not readable and writable by us (add yourself to the kvm group, or use accel tcg)');
			return { accel: 'kvm', why: 'kvm requested in the spec' };
		case 'tcg':
			return { accel: 'tcg', why: 'tcg requested in the spec' };
		case 'auto':
			break;
	}
	if (hvfPossible(host)) return { accel: 'hvf', why: 'macOS on Apple silicon' };
	if (kvmPossible(host)) return { accel: 'kvm', why: 'arm64 Linux with a usable /dev/kvm' };
	if (host.platform === 'linux' && host.arch === 'arm64') return { accel: 'tcg', why: '/dev/kvm is missing or not readable and writable by us: emulating (slow)' };
	return { accel: 'tcg', why: `${host.platform}/${host.arch} host cannot run arm64 guests natively: emulating (slow)` };
}

/**
 * The accelerator and `-cpu` for a spec. Under TCG the default model is cortex-a72, not
 * `max`: `max` emulates pointer authentication and boots about four times slower.
 * With kvm/hvf the guest gets the host's CPU. `spec.cpu` always wins.
 */
export function chooseAccel(spec: Pick<VmSpec, 'accel' | 'cpu'>, host: HostInfo = currentHost()): AccelChoice {
	const { accel, why } = pick(spec, host);
	const cpu = spec.cpu ?? (accel === 'tcg' ? 'cortex-a72' : 'host');
	return { accel, cpu, why };
}

// The guest's side of the device evidence, taken from the guest parser (src/guest/):
// the vio(4) and viogpu(4) attach facts of the latest boot. The verdicts only need the
// fields below, so replay (a parsed log) and live (the daemon's parser) feed them alike.
import type { Device, GuestSummary } from '../guest/index.ts';

export type VioFacts = Pick<Device, 'name'> & Partial<Pick<Device, 'address' | 'mtu' | 'mtuNotSupported' | 'negotiationFailed'>>;
export type ViogpuFacts = Pick<Device, 'name'> & Partial<Pick<Device, 'width' | 'height' | 'failures'>>;

function pick(devices: readonly Device[], re: RegExp, name?: string): Device | undefined {
	return devices.find((d) => (name ? d.name === name : re.test(d.name)));
}

/** The vio device of the latest boot (vio0 unless named). */
export function guestVio(devices: readonly Device[], name?: string): VioFacts | undefined {
	return pick(devices, /^vio\d+$/, name);
}

export function guestViogpu(devices: readonly Device[], name?: string): ViogpuFacts | undefined {
	return pick(devices, /^viogpu\d+$/, name);
}

export function latestDevices(summary: GuestSummary | null | undefined): Device[] {
	return summary?.boots.at(-1)?.devices ?? [];
}

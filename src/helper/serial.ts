// serial backend: a real serial line (a board's console), opened raw by the helper.
import { UserError } from '../common/errors.ts';
import { logMaxBytes, type VmSpec } from '../common/spec.ts';

const PARITY = { none: 'N', even: 'E', odd: 'O' } as const;

/** Helper argv after `-d VMDIR -b BOOT`, e.g. serial -L 4294967296 -D /dev/ttyUSB0 -S 115200 -P 8N1 -F none. */
export function serialArgv(spec: VmSpec): string[] {
	const s = spec.serial;
	if (!s) throw new UserError(`${spec.name}: backend serial needs 'serial'`);
	return ['serial', '-L', String(logMaxBytes(spec)), '-D', s.device, '-S', String(s.speed), '-P', `${s.dataBits}${PARITY[s.parity]}${s.stopBits}`, '-F', s.flow];
}

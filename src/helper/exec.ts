// exec backend: a command's stdio, on a pty the helper owns, is the console.
import { UserError } from '../common/errors.ts';
import { logMaxBytes, type VmSpec } from '../common/spec.ts';

/** Helper argv after `-d VMDIR -b BOOT`. The pty gets the spec's guest size. */
export function execArgv(spec: VmSpec): string[] {
	if (!spec.command) throw new UserError(`${spec.name}: backend exec needs 'command'`);
	return ['exec', '-L', String(logMaxBytes(spec)), '-w', `${spec.cols}x${spec.rows}`, '--', '/bin/sh', '-c', spec.command];
}

// A UserError is a problem with what the user asked for (bad flag, bad spec, unknown VM,
// daemon unreachable). The CLI prints its message as one line and exits non-zero; it
// never prints a stack trace for it. Anything else is a bug and is reported as such.
export class UserError extends Error {
	readonly exitCode: number;
	constructor(message: string, exitCode = 1) {
		super(message);
		this.name = 'UserError';
		this.exitCode = exitCode;
	}
}

export function errorMessage(err: unknown): string {
	if (err instanceof Error) return err.message;
	return String(err);
}

// Reading a VM's files directly (for commands that work without the daemon).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The guest terminal size from the VM's spec.json (80x24 when unknown). */
export function readSpecCols(dir: string): { cols: number; rows: number } {
	const path = join(dir, 'spec.json');
	try {
		if (existsSync(path)) {
			const spec = JSON.parse(readFileSync(path, 'utf8')) as { cols?: number; rows?: number };
			return { cols: spec.cols ?? 80, rows: spec.rows ?? 24 };
		}
	} catch {
		// fall through to the default
	}
	return { cols: 80, rows: 24 };
}

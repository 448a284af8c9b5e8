// The stages of an earlier boot of a VM, read back from its log and index, so the
// timeline can compare this boot with the last one. The index's `t` records give the
// arrival time of the bytes, so the stages get the times they really had.
import { existsSync, statSync } from 'node:fs';
import { GuestParser, type Stage } from '../guest/index.ts';
import { bootIndexPath, bootLogPath, readIndex, readLogRange } from '../helper/logfiles.ts';

/** Past this, an old boot is not worth reading just for a comparison. */
const MAX_LOG = 64 * 1024 * 1024;

/** The stages of the last guest boot in `vmDir`'s boot number `boot`, or null. */
export function stagesOfBoot(vmDir: string, boot: number): Stage[] | null {
	const log = bootLogPath(vmDir, boot);
	if (!existsSync(log)) return null;
	const size = statSync(log).size;
	if (size === 0 || size > MAX_LOG) return null;
	const idx = bootIndexPath(vmDir, boot);
	const times = existsSync(idx) ? readIndex(idx).filter((r) => r.kind === 't') : [];
	const parser = new GuestParser({ events: false });
	const bytes = readLogRange(log, 0, size);
	// Feed the bytes between two timestamps with the earlier one's time.
	let pos = 0;
	let ms = times[0]?.ms ?? 0;
	for (const t of times) {
		if (t.offset > pos) {
			parser.push(bytes.subarray(pos, t.offset), ms);
			pos = t.offset;
		}
		ms = t.ms;
		parser.tick(ms);
	}
	if (pos < size) parser.push(bytes.subarray(pos), ms);
	parser.end();
	return parser.timeline().stages;
}

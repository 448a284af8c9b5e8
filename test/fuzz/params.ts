// Run parameters of the TypeScript fuzz tests (docs/fuzzing.md). Under `npm test` each
// property runs a fixed number of cases from a fixed seed, so a run is deterministic and
// takes seconds; `npm run fuzz` sets OBSDTUI_FUZZ_SECONDS and each property then runs for
// that long from a new seed, which fast-check prints with any counterexample. A failure
// found that way is fixed and its counterexample added to the property's `examples`
// (regression inputs, replayed by every bounded run).
import type { Parameters } from 'fast-check';

export function params<T>(seed: number, numRuns: number, examples: NoInfer<T>[] = []): Parameters<T> {
	const seconds = Number(process.env.OBSDTUI_FUZZ_SECONDS ?? 0);
	if (seconds > 0) {
		return { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false, seed: Date.now() ^ seed, examples, endOnFailure: true };
	}
	return { numRuns, seed, examples, endOnFailure: true };
}

/** The test's time-out: generous for the bounded run, longer than a long run's budget. */
export function timeout(boundedMs = 120_000): number {
	const seconds = Number(process.env.OBSDTUI_FUZZ_SECONDS ?? 0);
	return seconds > 0 ? seconds * 1000 + 300_000 : boundedMs;
}

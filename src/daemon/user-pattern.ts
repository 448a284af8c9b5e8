// A user's `wait --for` pattern, matched in a worker thread with a time budget.
//
// The pattern is a JavaScript regular expression run against up to 128 Ki characters of
// console text. V8's engine backtracks: a pattern such as (a+)+$ against a long run of
// "a" would take longer than the universe has, and run on the daemon's thread it would
// freeze every console, viewer and client. So user patterns never run there: each wait
// gets a worker, every match must answer within the budget, and a worker that does not is
// terminated (V8 interrupts a running regular expression) and its wait fails with an
// error that says why. The daemon's own patterns (prompts) are fixed and stay inline.
//
// Why not a linear-time engine (RE2): the `re2` package is a native addon that downloads a
// prebuilt binary from GitHub at install time or else compiles RE2 and Abseil with
// node-gyp, and RE2 has no lookaround or backreferences, so the documented JavaScript
// syntax of `wait --for` would change. A worker keeps the syntax and needs nothing to build.
import { Worker } from 'node:worker_threads';
import { UserError } from '../common/errors.ts';

/**
 * Longer than any sane pattern needs for 128 Ki characters, even on a loaded machine.
 * Tests that must see a bad pattern still running set their own (OBSDTUI_TEST_HOOKS=1).
 */
export const MATCH_BUDGET_MS =
	process.env.OBSDTUI_TEST_HOOKS === '1' && Number(process.env.OBSDTUI_TEST_MATCH_BUDGET_MS) > 0 ? Number(process.env.OBSDTUI_TEST_MATCH_BUDGET_MS) : 2000;
/** Workers cost a few MB each: this many waits with patterns at once, daemon-wide. */
const MAX_LIVE = 32;
let live = 0;

// Plain JavaScript, evaluated as the worker's script (works the same from the bundle and
// from the TypeScript sources).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.source, workerData.flags);
parentPort.on('message', (text) => {
	const m = re.exec(text);
	parentPort.postMessage(m ? m[0] : null);
});
`;

export class UserPattern {
	private worker: Worker;
	private online = false;
	private closed = false;
	private pending?: { resolve: (m: string | null) => void; reject: (err: Error) => void; chars: number; timer?: NodeJS.Timeout };

	constructor(readonly re: RegExp) {
		if (live >= MAX_LIVE) throw new UserError(`too many waits with patterns at once (${MAX_LIVE}); try again when some have ended`);
		live++;
		this.worker = new Worker(WORKER, { eval: true, workerData: { source: re.source, flags: re.flags }, resourceLimits: { maxOldGenerationSizeMb: 64 } });
		this.worker.unref();
		this.worker.on('online', () => {
			this.online = true;
			// The budget counts from when the worker can start matching, not its start-up.
			if (this.pending && !this.pending.timer) this.arm();
		});
		this.worker.on('message', (m: string | null) => {
			const p = this.pending;
			if (!p) return;
			clearTimeout(p.timer);
			this.pending = undefined;
			p.resolve(m);
		});
		this.worker.on('error', (err) => this.fail(new UserError(`matching /${re.source}/ failed: ${err.message}`)));
		this.worker.on('exit', () => this.fail(new UserError(`matching /${re.source}/ stopped`)));
	}

	/** The first match of the pattern in `text` (what matched), or null. One at a time. */
	match(text: string): Promise<string | null> {
		if (this.closed) return Promise.reject(new UserError(`matching /${this.re.source}/ stopped`));
		if (this.pending) return Promise.reject(new Error('UserPattern.match: a match is already running'));
		return new Promise((resolve, reject) => {
			this.pending = { resolve, reject, chars: text.length };
			if (this.online) this.arm();
			this.worker.postMessage(text);
		});
	}

	private arm(): void {
		const p = this.pending!;
		p.timer = setTimeout(() => {
			this.fail(
				new UserError(
					`/${this.re.source}/ was stopped after ${MATCH_BUDGET_MS / 1000} s matching ${p.chars} characters of console text: ` +
						'it backtracks catastrophically (nested repetition such as (a+)+ is the usual cause); simplify it',
				),
			);
		}, MATCH_BUDGET_MS);
	}

	private fail(err: Error): void {
		const p = this.pending;
		this.pending = undefined;
		this.close();
		if (p) {
			clearTimeout(p.timer);
			p.reject(err);
		}
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		live--;
		void this.worker.terminate();
	}
}

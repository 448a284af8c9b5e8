// Recordings as read-only VMs. Each one plays on its own clock from the moment the feed
// is created, like a VM that boots whether or not anyone watches; attaching shows what
// has been played so far, then follows.
import { EventEmitter } from 'node:events';
import type { Recording } from '../term/recording.ts';
import { GuestParser } from '../guest/index.ts';
import { sendbugReport } from '../guest/index.ts';
import { replayNetReport, replayScreenReport, type RecordedDevices } from '../devices/replay.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmDetails, VmSummary } from './feed.ts';

export interface ReplaySpec {
	name: string;
	recording: Recording;
	/** Shown in the status line where a live VM shows its log file. */
	log: string;
	/** Playback speed factor; Infinity plays everything at once. */
	speed?: number;
	/** MTU and framebuffer evidence saved from the run, shown once playback reaches `at`. */
	devices?: RecordedDevices;
}

// The guest parser decides a prompt stage once output has been quiet this long.
const PARSER_TICK_MS = 500;
// Panel reports are rebuilt from the parser's summary at most this often.
const DETAILS_MS = 1000;

class Player extends EventEmitter {
	readonly spec: ReplaySpec;
	readonly played: Buffer[] = [];
	next = 0;
	private timer: NodeJS.Timeout | undefined;
	private started = Date.now();
	viewers = 0;
	readonly parser = new GuestParser();
	private parserTimer: NodeJS.Timeout;
	private detailsAt = 0;
	private cachedDetails: VmDetails | undefined;

	constructor(spec: ReplaySpec) {
		super();
		this.spec = spec;
		this.tick();
		this.parserTimer = setInterval(() => {
			if (this.parser.tick(Date.now()).length) this.statusChanged();
		}, PARSER_TICK_MS);
		this.parserTimer.unref();
	}

	private statusChanged(): void {
		this.cachedDetails = undefined;
		this.emit('status');
	}

	status(): { stage?: string; alerts: string[]; crash?: string } {
		const live = this.parser.state();
		return { stage: live.stage ?? undefined, alerts: live.alerts, crash: live.crashTitle };
	}

	report(): string {
		return sendbugReport({ log: Buffer.concat(this.played), summary: this.parser.summary(), vm: { name: this.spec.name, backend: 'replay' } });
	}

	details(): VmDetails {
		if (!this.cachedDetails || Date.now() - this.detailsAt >= DETAILS_MS) {
			const summary = this.parser.summary();
			const rec = this.spec.devices;
			// Evidence taken at `at` is not shown before the recording gets there.
			const reached = rec && (this.done || (this.next > 0 && this.spec.recording.chunks[this.next - 1].t >= rec.at));
			this.cachedDetails = {
				stages: summary.boots.at(-1)?.stages ?? [],
				previous: summary.boots.at(-2)?.stages ?? null,
				net: reached ? rec.net : replayNetReport(summary),
				screen: reached ? rec.screen : replayScreenReport(summary),
				...(rec ? { recorded: reached ? rec.source : `${rec.source}, shown from ${Math.ceil(rec.at)} s` } : {}),
			};
			this.detailsAt = Date.now();
		}
		return this.cachedDetails;
	}

	get done(): boolean {
		return this.next >= this.spec.recording.chunks.length;
	}

	private tick(): void {
		const speed = this.spec.speed ?? 1;
		const elapsed = speed > 0 && Number.isFinite(speed) ? ((Date.now() - this.started) / 1000) * speed : Infinity;
		const chunks = this.spec.recording.chunks;
		const batch: Buffer[] = [];
		while (this.next < chunks.length && chunks[this.next].t <= elapsed) batch.push(chunks[this.next++].data);
		if (batch.length) {
			const data = Buffer.concat(batch);
			this.played.push(data);
			const before = this.status();
			this.parser.push(data, Date.now());
			const after = this.status();
			this.emit('data', data);
			if (after.stage !== before.stage || after.alerts.length !== before.alerts.length) this.statusChanged();
		}
		if (this.done) {
			this.emit('finished');
			return;
		}
		const wait = ((chunks[this.next].t / speed) * 1000) - (Date.now() - this.started);
		this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(wait, 1000)));
	}

	stop(): void {
		clearTimeout(this.timer);
		clearInterval(this.parserTimer);
	}
}

class ReplaySession extends EventEmitter implements ConsoleSession {
	readonly mode = 'ro' as const;
	readonly writer = false;
	private player: Player;
	private onData = (data: Buffer) => this.emit('data', data);
	private attached = true;

	constructor(player: Player) {
		super();
		this.player = player;
		player.viewers++;
		// Listeners are attached by the caller after attach() returns.
		setImmediate(() => {
			if (!this.attached) return;
			const { cols, rows } = player.spec.recording;
			this.emit('snapshot', Buffer.concat(player.played), { cols, rows });
			player.on('data', this.onData);
			this.emit('event', { event: 'attached', mode: 'ro' });
		});
	}

	write(): void {}
	sendBreak(): void {}
	takeover(): void {}

	detach(): void {
		if (!this.attached) return;
		this.attached = false;
		this.player.viewers--;
		this.player.off('data', this.onData);
		this.emit('end', 'detached');
	}
}

export class ReplayFeed extends EventEmitter implements ConsoleFeed {
	private players: Player[];

	constructor(specs: ReplaySpec[]) {
		super();
		this.players = specs.map((s) => new Player(s));
		for (const p of this.players) {
			p.on('finished', () => this.emit('vms', this.list()));
			p.on('status', () => this.emit('vms', this.list()));
		}
	}

	list(): VmSummary[] {
		return this.players.map((p) => ({
			name: p.spec.name,
			backend: 'replay',
			state: p.done ? 'finished' : 'playing',
			...p.status(),
			viewers: p.viewers,
			log: p.spec.log,
			cols: p.spec.recording.cols,
			rows: p.spec.recording.rows,
			readOnly: true,
		}));
	}

	details(name: string): VmDetails | undefined {
		return this.players.find((x) => x.spec.name === name)?.details();
	}

	async report(name: string): Promise<string> {
		const p = this.players.find((x) => x.spec.name === name);
		if (!p) throw new Error(`no recording named ${name}`);
		return p.report();
	}

	attach(name: string, _mode: AttachMode): ConsoleSession {
		const p = this.players.find((x) => x.spec.name === name);
		if (!p) throw new Error(`no recording named ${name}`);
		const s = new ReplaySession(p);
		this.emit('vms', this.list());
		s.on('end', () => this.emit('vms', this.list()));
		return s;
	}

	close(): void {
		for (const p of this.players) p.stop();
	}
}

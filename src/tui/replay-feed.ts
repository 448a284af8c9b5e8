// Recordings as read-only VMs. Each one plays on its own clock from the moment the feed
// is created, like a VM that boots whether or not anyone watches; attaching shows what
// has been played so far, then follows.
import { EventEmitter } from 'node:events';
import type { Recording } from '../term/recording.ts';
import type { AttachMode, ConsoleFeed, ConsoleSession, VmSummary } from './feed.ts';

export interface ReplaySpec {
	name: string;
	recording: Recording;
	/** Shown in the status line where a live VM shows its log file. */
	log: string;
	/** Playback speed factor; 0 or Infinity plays everything at once. */
	speed?: number;
	/** Extra status from the played text (boot stage, alerts), when a parser is available. */
	analyze?: (played: Buffer) => { stage?: string; alerts: string[] };
}

class Player extends EventEmitter {
	readonly spec: ReplaySpec;
	readonly played: Buffer[] = [];
	next = 0;
	private timer: NodeJS.Timeout | undefined;
	private started = Date.now();
	viewers = 0;
	status: { stage?: string; alerts: string[] } = { alerts: [] };

	constructor(spec: ReplaySpec) {
		super();
		this.spec = spec;
		this.tick();
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
			if (this.spec.analyze) this.status = this.spec.analyze(Buffer.concat(this.played));
			this.emit('data', data);
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
			p.on('data', () => {
				if (p.spec.analyze) this.emit('vms', this.list());
			});
		}
	}

	list(): VmSummary[] {
		return this.players.map((p) => ({
			name: p.spec.name,
			backend: 'replay',
			state: p.done ? 'finished' : 'playing',
			stage: p.status.stage,
			alerts: p.status.alerts,
			viewers: p.viewers,
			log: p.spec.log,
			cols: p.spec.recording.cols,
			rows: p.spec.recording.rows,
			readOnly: true,
		}));
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

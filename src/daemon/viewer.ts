// One attached viewer of one console. Its socket gets the console stream through a
// bounded queue: a viewer that stops reading (SIGSTOP, a dead SSH link) must never stall
// the console, the log or the other viewers. When its queue passes the limit the
// viewer stops getting the stream; once its socket drains it gets a fresh snapshot of the
// screen and continues from there (tmux does the same).
import type { Socket } from 'node:net';
import { encodeData, encodeJson } from '../common/frame.ts';

export type ViewerMode = 'rw' | 'spy';

/** Bytes the socket may hold unsent before the viewer is considered stalled. */
export const VIEWER_QUEUE_LIMIT = 1024 * 1024;

export class Viewer {
	readonly socket: Socket;
	readonly who: string;
	readonly mode: ViewerMode;
	readonly since = Date.now();
	/** Whether this viewer currently holds the console's single write seat. */
	writer = false;
	private stalled = false;
	private resync: () => void;
	private readonly onDrain = () => {
		if (!this.stalled) return;
		this.stalled = false;
		this.resyncs++;
		this.resync();
	};
	resyncs = 0;

	constructor(socket: Socket, who: string, mode: ViewerMode, resync: () => void) {
		this.socket = socket;
		this.who = who;
		this.mode = mode;
		this.resync = resync;
		socket.on('drain', this.onDrain);
	}

	/**
	 * Detached: the connection may stay open and attach again (one viewer after another on
	 * one socket), so the drain listener must go, or each attach leaks one with its viewer.
	 */
	close(): void {
		this.socket.off('drain', this.onDrain);
	}

	get isStalled(): boolean {
		return this.stalled;
	}

	private overLimit(): boolean {
		return this.socket.writableLength > VIEWER_QUEUE_LIMIT;
	}

	/**
	 * Console bytes as an encoded data frame (encoded once for all viewers): dropped
	 * while stalled; the snapshot on drain replaces them.
	 */
	dataFrame(frame: Buffer): void {
		if (this.stalled || this.socket.destroyed) return;
		if (this.overLimit()) {
			this.stalled = true;
			return;
		}
		this.socket.write(frame);
	}

	/** Control messages are small and always queued, stalled or not. */
	event(msg: object): void {
		if (!this.socket.destroyed) this.socket.write(encodeJson(msg));
	}

	/** A snapshot: an event announcing it, then one data frame with the ANSI text. */
	snapshot(info: object, ansi: string): void {
		if (this.socket.destroyed) return;
		this.socket.write(encodeJson({ event: 'snapshot', ...info }));
		this.socket.write(encodeData(Buffer.from(ansi, 'utf8')));
	}
}

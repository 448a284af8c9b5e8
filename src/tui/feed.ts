// What the TUI needs from wherever consoles come from: a list of VMs that changes over
// time, and console sessions to attach to. The daemon client implements it for live VMs
// (daemon-feed.ts); replay-feed.ts implements it for recordings (`replay`, `demo`).
import type { EventEmitter } from 'node:events';
import type { VmInfo } from '../daemon/vm.ts';
import type { NetReport } from '../devices/net.ts';
import type { ScreenReport } from '../devices/screen.ts';
import type { Stage } from '../guest/index.ts';

export type AttachMode = 'rw' | 'spy' | 'takeover';

/** What the list and status line show of a VM: the daemon's VmInfo, or a recording's. */
export type VmSummary = Pick<VmInfo, 'name' | 'backend' | 'stage' | 'alerts' | 'crash' | 'viewers' | 'writer' | 'log' | 'cols' | 'rows' | 'kernel_console'> & {
	/** The VM has a glass console (its framebuffer read as text). */
	glass?: boolean;
	/** Its kept boots' logs, and how many boots log retention removed (live VMs). */
	logs?: { bytes: number; boots: number; pruned: number };
	/** VmInfo's state, or a recording's own ('playing', 'finished'). */
	state: string;
	/** A recording: nobody can type into it. */
	readOnly?: boolean;
};

/**
 * One attached console. Events: 'snapshot' (ansi: Buffer, info: {cols, rows}) to write into
 * a fresh screen of that size, 'data' (bytes: Buffer), 'event' (ev: {event: string, ...}),
 * 'end' (reason: string).
 */
export interface ConsoleSession extends EventEmitter {
	readonly mode: AttachMode | 'ro';
	/** Whether our keys reach the guest now (a rw viewer loses this when another takes over). */
	readonly writer: boolean;
	write(bytes: Buffer): void;
	sendBreak(): void | Promise<unknown>;
	takeover(): void | Promise<unknown>;
	detach(): void | Promise<unknown>;
}

/** What the side column shows for one VM; null where the source has no such evidence. */
export interface VmDetails {
	stages: Stage[];
	/** The previous guest boot's stages in the same log, to compare against. */
	previous: Stage[] | null;
	net: NetReport | null;
	screen: ScreenReport | null;
	/** Set when net and screen are not live but saved from a run ("recorded from ..."). */
	recorded?: string;
}

/** Emits 'vms' (list: VmSummary[]) whenever the list or a VM's state changes. */
export interface ConsoleFeed extends EventEmitter {
	list(): VmSummary[];
	/** Panel data for one VM, when this source has any. */
	details?(name: string): VmDetails | undefined;
	/** A sendbug(1) report of the VM's console so far. */
	report?(name: string): Promise<string>;
	/** `glass`: the glass console (the framebuffer read as text) instead of the serial one. */
	attach(name: string, mode: AttachMode, opts?: { glass?: boolean }): ConsoleSession;
	close(): void;
}

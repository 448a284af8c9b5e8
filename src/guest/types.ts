// The shapes the guest parser hands out. GuestSummary is also the `scan --json`
// interface (docs/scan-json.md): add fields, never rename or remove them.

export const STAGES = [
	'firmware',
	'bootloader',
	'kernel',
	'banner',
	'autoconf',
	'root',
	'userland',
	'login',
	'installer',
	'shell',
	'shutdown',
	'halted',
	'rebooting',
	'panic',
	'ddb',
] as const;

export type StageName = (typeof STAGES)[number];

export type Prompt = 'ddb' | 'shell' | 'login' | 'installer' | 'boot';

export interface Stage {
	name: StageName;
	/** 1-based line number in the parsed stream (LF-counted). */
	line: number;
	/** The nowMs given to push()/tick() when the stage began; 0 for files. */
	atMs: number;
}

export interface KernelInfo {
	/** As printed: `7.4`, `6.8-current`, `6.7-beta`. */
	version: string;
	/** Just the release number: `7.4`. */
	release: string;
	arch: string | null;
	/** Kernel config: GENERIC, GENERIC.MP, RAMDISK, RAMDISK_CD, ... */
	config: string;
	/** Configured cpuN devices seen so far. */
	ncpu: number;
	/** `#2131: Sun Oct  8 13:35:40 MDT 2023` */
	build: string;
	/** `deraadt@arm64.openbsd.org:/usr/src/sys/arch/arm64/compile/RAMDISK` */
	builder: string | null;
	realMem: number | null;
	availMem: number | null;
	/** The whole version line. */
	banner: string;
	line: number;
}

export interface DeviceFailure {
	message: string;
	count: number;
	/** For kinds whose text varies (`viogpu_send_cmd: return fence id not right (0x1f != 0x20)`): the latest line as printed, and its line number. */
	last?: string;
	line?: number;
}

export interface Device {
	/** `vio0`; for unconfigured devices the description (`"ARMH0061"`, `vendor "Intel", unknown product 0x19a2 (...)`). */
	name: string;
	parent: string;
	/** Locators between parent and colon: `dev 2 function 0 "Qumranet Virtio 1.x Network" rev 0x01`. */
	locators: string;
	/** What the driver printed after `: ` (continuation lines joined). */
	details: string;
	configured: boolean;
	line: number;
	/** `name: message` lines printed about this device later (capped), including text glued into its attach line. */
	messages: string[];
	// vio(4)
	queues?: number;
	address?: string;
	mtu?: number;
	mtuNotSupported?: number;
	negotiationFailed?: boolean;
	// viogpu(4)
	width?: number;
	height?: number;
	depth?: number;
	failures?: DeviceFailure[];
}

export type CrashType =
	| 'panic'
	| 'assert'
	| 'uvm_fault'
	| 'protection_fault'
	| 'double_fault'
	| 'trap'
	| 'corruption'
	| 'witness';

export interface Crash {
	/** One line, by syzkaller's OpenBSD rules (docs/scan-json.md): frame-based for faults, numbers and addresses folded. */
	title: string;
	/** Other titles for the same crash where our own reading says more than syzkaller's rules (e.g. arm64 trap frames skipped). */
	altTitles: string[];
	type: CrashType;
	/** The report is cut or garbled: the title needed evidence (a frame, a message, a clean copy of the panic line) the log does not hold. */
	corrupted: boolean;
	/** Known noise that syzkaller does not file (`panic: vop_generic_badop`, a lock order reversal involving an inode lock, ...). */
	suppressed: boolean;
	/** Crash text printed by a shell command (a saved panic log shown with cat), not by this kernel: never an alert. */
	userland: boolean;
	/** First line of the report. */
	line: number;
	/** Last line seen as part of the report so far. */
	endLine: number;
	boot: number;
	/** The panic message, when one was printed (or recovered from `show panic`). */
	message: string | null;
	/** `Stopped at` location, e.g. `db_enter+0x18`. */
	stoppedAt: string | null;
	/** Function names of the first backtrace, outermost last. */
	frames: string[];
	/** ddb was entered for this crash. */
	ddb: boolean;
}

export interface BootSummary {
	/** 1-based boot number within the stream. */
	boot: number;
	line: number;
	kernel: KernelInfo | null;
	stages: Stage[];
	/** Kernel messages of this boot as dmesg.boot would hold them; null before a banner. */
	dmesg: string | null;
	dmesgRange: { firstLine: number; lastLine: number; start: number; end: number } | null;
	devices: Device[];
	/**
	 * Only on boots older than the 64 most recent: their device tables and dmesg text were
	 * dropped to bound memory (dmesgRange and kernel.ncpu stay, so `obsdtui dmesg --boot N` still works).
	 */
	trimmed?: true;
}

export interface GuestSummary {
	boots: BootSummary[];
	crashes: Crash[];
	lines: number;
	bytes: number;
}

export interface LiveState {
	stage: StageName | null;
	stageSinceMs: number;
	prompt: Prompt | null;
	alerts: string[];
	crashTitle?: string;
	boot: number;
}

export type GuestEvent =
	| { type: 'boot'; boot: number; line: number; atMs: number }
	| { type: 'stage'; boot: number; stage: Stage }
	| { type: 'kernel'; boot: number; kernel: KernelInfo }
	| { type: 'device'; boot: number; device: Device }
	| { type: 'crash'; index: number; crash: Crash }
	| { type: 'prompt'; prompt: Prompt | null }
	| { type: 'hang'; silentMs: number; stage: StageName | null; message: string }
	| { type: 'stall'; stage: StageName; forMs: number; message: string }
	| { type: 'resumed' };

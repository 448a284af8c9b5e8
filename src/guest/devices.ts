// The autoconf tree. autoconf prints `child at parent`, the driver appends `: details`
// and the newline, so anything printed with its own `name:` prefix during attach lands
// mid-line and the details may continue on the next line:
//   vio0 at virtio0virtio0: Feature negotiation failed
//   vio0 at virtio0vio0: mtu 65535 not supported
//   : 1 queue, address 52:54:00:12:34:56
import type { Device } from './types.ts';
import { human, indexOfLiteral, own } from './lines.ts';

const UNIT = '[a-z][a-z_]*\\d+';
const ATTACH_RE = new RegExp(
	'^(' +
		UNIT +
		'|[a-z][a-z_]*(?= at .* not configured$)' +
		'|"[^"]*"(?: rev 0x[0-9a-f]+)?' +
		'|vendor "[^"]*", unknown product 0x[0-9a-f]+(?: \\([^)]*\\))?(?: rev 0x[0-9a-f]+)?' +
		'|manufacturer 0x[0-9a-f]+, product 0x[0-9a-f]+' +
		') at (' +
		UNIT +
		'|root)(.*)$',
);
const GLUED_RE = new RegExp('^(' + UNIT + '): (.*)$');
const UNIT_RE = new RegExp('^' + UNIT + '$');

const VIO_QUEUES_RE = /(?:^|, )(\d+) queues?\b/;
const VIO_ADDRESS_RE = /address ([0-9a-fx]{2}(?::[0-9a-fx]{2}){5})/;
const VIO_MTU_RE = /, mtu (\d+)/;
const VIO_MTU_NS_RE = /^mtu (\d+) not supported/;
const GPU_MODE_RE = /^(\d+)x(\d+), (\d+)bpp/;

// viogpu(4) prints this one with __func__, not its device name: `viogpu_send_cmd: return
// fence id not right (0x1f != 0x20)`. The ids change every time, so only the kind is counted.
export const VIOGPU_FENCE = 'viogpu_send_cmd: ';
const FENCE_RE = /^return fence id not right\b/;

const MAX_DEVICES = 4096;
const MAX_MESSAGES = 32;
const MAX_FAILURE_KINDS = 16;

function splitDetails(rest: string): { locators: string; details: string } {
	let quoted = false;
	for (let i = 0; i < rest.length; i++) {
		const c = rest.charCodeAt(i);
		if (c === 0x22) quoted = !quoted;
		else if (c === 0x3a && !quoted && (i + 1 === rest.length || rest.charCodeAt(i + 1) === 0x20)) {
			return { locators: rest.slice(0, i).trim(), details: rest.slice(i + 1).trim() };
		}
	}
	return { locators: rest.trim(), details: '' };
}

const NON_ASCII_RE = /[\x80-\xff]/;

function isLower(c: number): boolean {
	return c >= 0x61 && c <= 0x7a;
}
function isDigit(c: number): boolean {
	return c >= 0x30 && c <= 0x39;
}

/** End of a `name0` token starting at i (letters or _, then digits), or -1. */
function unitEnd(s: string, i: number, end: number): number {
	if (!isLower(s.charCodeAt(i))) return -1;
	let j = i + 1;
	while (j < end && (isLower(s.charCodeAt(j)) || s.charCodeAt(j) === 0x5f)) j++;
	const digits = j;
	while (j < end && isDigit(s.charCodeAt(j))) j++;
	return j > digits ? j : -1;
}

/**
 * ATTACH_RE for the common `name0 at parent0...` shape without a regex: [parent start, parent end];
 * null when the line cannot be an attach line of that shape, undefined when the regex must decide
 * (quoted and vendor descriptions, unit-less unconfigured names).
 */
function splitAttach(s: string, at: number): [number, number] | null | undefined {
	const c0 = s.charCodeAt(0);
	if (!isLower(c0)) return c0 === 0x22 /* " */ ? undefined : null;
	if (unitEnd(s, 0, at) !== at) return s.startsWith('vendor "') || s.startsWith('manufacturer ') || s.endsWith(' not configured') ? undefined : null;
	const p = at + 4;
	let pe = unitEnd(s, p, s.length);
	if (pe < 0) {
		if (!s.startsWith('root', p)) return null;
		pe = p + 4;
	}
	return [p, pe];
}

/** A device we never saw attach (a partial log): enough to route its message. */
function stub(name: string, no: number): Device {
	return { name, parent: '', locators: '', details: '', configured: true, line: no, messages: [] };
}

/** Cheap: could this line matter to a DeviceTable (attach, continuation, `name0: message`)? */
export function deviceCandidate(s: string): boolean {
	const c0 = s.charCodeAt(0);
	if (c0 === 0x3a /* : */ || c0 === 0x2c /* , */) return true;
	if (c0 === 0x76 /* v */ && s.startsWith(VIOGPU_FENCE)) return true;
	// Attach lines and `name0: ` lines start with a letter or a quote: most lines need no search.
	if (!isLower(c0) && c0 !== 0x22 /* " */) return false;
	const at = indexOfLiteral(s, ' at ');
	if (at > 0 && splitAttach(s, at) !== null) return true;
	const colon = s.indexOf(': ');
	return colon > 1 && colon < 24 && unitEnd(s, 0, colon) === colon;
}

export function isAttachLine(s: string): boolean {
	return s.includes(' at ') && ATTACH_RE.test(s);
}

export class DeviceTable {
	readonly devices: Device[] = [];
	private readonly byName = new Map<string, Device>();
	/** A device whose attach line was cut by a glued message; `: ...` on the next line is its. */
	private continuing: Device | null = null;

	ncpu = 0;

	get(name: string): Device | undefined {
		return this.byName.get(name);
	}

	/** Feed one logical line; returns the device it created or changed. */
	line(s: string, no: number): Device | null {
		const cont = this.continuing;
		this.continuing = null;
		if (cont && (s.startsWith(': ') || s.startsWith(', '))) {
			const more = s.slice(2).trim();
			cont.details = cont.details ? `${cont.details}, ${more}` : more;
			this.applyDetails(cont);
			return cont;
		}
		const at = s.indexOf(' at ');
		if (at > 0) {
			const fast = splitAttach(s, at);
			if (fast) {
				// One copy of the line; every field is a slice of it.
				const o = own(s);
				return this.attach(o, o.slice(0, at), o.slice(fast[0], fast[1]), o.slice(fast[1]), no);
			}
			if (fast === undefined) {
				const o = own(s);
				const m = ATTACH_RE.exec(o);
				if (m) return this.attach(o, m[1], m[2], m[3], no);
			}
		}
		if (s.startsWith(VIOGPU_FENCE)) return this.fence(s.slice(VIOGPU_FENCE.length), no);
		const colon = s.indexOf(': ');
		if (colon > 0 && colon < 24) {
			const dev = this.byName.get(s.slice(0, colon));
			if (dev) {
				this.message(dev, s.slice(colon + 2));
				return dev;
			}
		}
		return null;
	}

	private attach(line: string, name: string, parent: string, rest: string, no: number): Device | null {
		let glued: RegExpExecArray | null = null;
		if (rest.length > 0 && rest.charCodeAt(0) !== 0x20 && rest.charCodeAt(0) !== 0x3a) {
			glued = GLUED_RE.exec(rest);
			if (!glued) return null;
			rest = '';
		}
		if (this.devices.length >= MAX_DEVICES) return null;
		const configured = !rest.endsWith(' not configured');
		const { locators, details } = configured ? splitDetails(rest) : { locators: rest.slice(0, -' not configured'.length).trim(), details: '' };
		const ascii = !NON_ASCII_RE.test(line);
		const dev: Device = {
			name: ascii ? name : human(name),
			parent,
			locators: ascii ? locators : human(locators),
			details: ascii ? details : human(details),
			configured,
			line: no,
			messages: [],
		};
		this.devices.push(dev);
		if (configured && UNIT_RE.test(name)) {
			this.byName.set(dev.name, dev);
			if (name.startsWith('cpu')) this.ncpu++;
		}
		this.applyDetails(dev);
		if (glued) {
			if (glued[1] === name) this.message(dev, glued[2]);
			else this.message(this.byName.get(glued[1]) ?? stub(glued[1], no), glued[2], dev);
		}
		if (configured && (glued || details === '')) this.continuing = dev;
		return dev;
	}

	/** A fence mismatch, counted on the newest viogpu (a log without its attach line has none to count it on). */
	private fence(msg: string, no: number): Device | null {
		if (!FENCE_RE.test(msg)) return null;
		let gpu: Device | undefined;
		for (let i = this.devices.length - 1; i >= 0 && !gpu; i--) if (this.devices[i].configured && /^viogpu\d/.test(this.devices[i].name)) gpu = this.devices[i];
		if (!gpu) return null;
		const failures = (gpu.failures ??= []);
		const message = 'viogpu_send_cmd: return fence id not right';
		const last = human(`${VIOGPU_FENCE}${msg}`);
		const f = failures.find((x) => x.message === message);
		if (f) {
			f.count++;
			f.last = last;
			f.line = no;
		} else if (failures.length < MAX_FAILURE_KINDS) failures.push({ message, count: 1, last, line: no });
		return gpu;
	}

	private message(dev: Device, msg: string, child?: Device): void {
		// Repeated messages (a cpu feature line per boot, a repaint error per tick) are common: check before copying.
		if (!child && !dev.name.startsWith('viogpu') && !dev.name.startsWith('vio') && !dev.name.startsWith('virtio')) {
			if (dev.messages.length >= MAX_MESSAGES || dev.messages.includes(msg)) return;
		}
		const text = human(msg);
		if (dev.name.startsWith('viogpu') && /fail|not enabled|not right/.test(text)) {
			const failures = (dev.failures ??= []);
			const f = failures.find((x) => x.message === text);
			if (f) f.count++;
			else if (failures.length < MAX_FAILURE_KINDS) failures.push({ message: text, count: 1 });
			return;
		}
		const target = child ?? dev;
		if (target !== dev) {
			if (target.messages.length < MAX_MESSAGES) target.messages.push(human(`${dev.name}: ${msg}`));
		} else if (dev.messages.length < MAX_MESSAGES && !dev.messages.includes(text)) {
			dev.messages.push(text);
		}
		if (dev.name.startsWith('vio') && !dev.name.startsWith('viogpu')) {
			const ns = VIO_MTU_NS_RE.exec(msg);
			if (ns) dev.mtuNotSupported = Number(ns[1]);
		}
		if (dev.name.startsWith('virtio') && msg.startsWith('Feature negotiation failed')) {
			const kid = child ?? this.childOf(dev.name);
			if (kid) kid.negotiationFailed = true;
		}
	}

	private childOf(parent: string): Device | undefined {
		for (let i = this.devices.length - 1; i >= 0; i--) if (this.devices[i].parent === parent) return this.devices[i];
		return undefined;
	}

	private applyDetails(dev: Device): void {
		const d = dev.details;
		if (/^vio\d/.test(dev.name)) {
			const q = VIO_QUEUES_RE.exec(d);
			if (q) dev.queues = Number(q[1]);
			const a = VIO_ADDRESS_RE.exec(d);
			if (a) dev.address = a[1];
			const m = VIO_MTU_RE.exec(d);
			if (m) dev.mtu = Number(m[1]);
		} else if (dev.name.startsWith('viogpu')) {
			const g = GPU_MODE_RE.exec(d);
			if (g) {
				dev.width = Number(g[1]);
				dev.height = Number(g[2]);
				dev.depth = Number(g[3]);
			}
		}
	}
}

// autoinstall(8): the response file obsdtui generates from flags, and the tiny HTTP/1.0
// side that hands it to the installer. Pure code: the socket lives in src/daemon/.
//
// A response file is "question = answer" lines; the installer matches each question it
// asks against them and takes the default for the rest.

/** Where the guest finds the response file under QEMU user networking (a guestfwd, no host port). */
export const AUTOINSTALL_ADDRESS = '10.0.2.100';
export const AUTOINSTALL_URL = `http://${AUTOINSTALL_ADDRESS}/install.conf`;

export interface ResponseOptions {
	hostname: string;
	/** An encrypt(1)/bcrypt hash ($2b$...). */
	rootPasswordHash?: string;
	/** An OpenSSH public key line for root. */
	rootSshKey?: string;
	timezone?: string;
	/** The installer's set selection, e.g. "-game* -x*" (default: its own). */
	sets?: string;
	/** Release directory on the mirror for the sets, e.g. pub/OpenBSD/7.9/arm64 (or SETS_DIRECTORY). */
	setsDirectory?: string;
	setsServer?: string;
}

// What install.sub's encr_pwd takes as already encrypted: a bcrypt hash, or 13 stars (no
// password login at all).
const BCRYPT = /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/;
const NO_PASSWORD = '*************';

function oneLine(v: string, what: string): string {
	if (/[\r\n]/.test(v) || v.trim() !== v || v === '') throw new Error(`${what} must be one line without surrounding spaces`);
	return v;
}

/** The response file for an unattended install with an automatic disk layout. Throws Error on bad input. */
export function responseFile(o: ResponseOptions): string {
	if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(o.hostname)) throw new Error(`hostname ${JSON.stringify(o.hostname)} is not a short host name`);
	if (!o.rootPasswordHash && !o.rootSshKey) throw new Error('an unattended install needs a root password hash (encrypt(1), $2b$...) or an SSH public key');
	if (o.rootPasswordHash && !BCRYPT.test(o.rootPasswordHash)) throw new Error('the root password must be given as a bcrypt hash (encrypt(1) or htpasswd -nbB: $2b$...), not in clear');
	if (o.rootSshKey && !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]+( [^\r\n]*)?$/.test(o.rootSshKey.trim())) {
		throw new Error('the SSH key must be one OpenSSH public key line (ssh-ed25519 AAAA... comment)');
	}
	if (o.timezone && !/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(o.timezone)) throw new Error(`timezone ${JSON.stringify(o.timezone)} is not like Europe/Berlin`);
	const lines: Array<[string, string]> = [
		['System hostname', o.hostname],
		['Password for root account', o.rootPasswordHash ?? NO_PASSWORD],
	];
	if (o.rootSshKey) {
		lines.push(['Public ssh key for root account', oneLine(o.rootSshKey.trim(), 'the SSH key')]);
		lines.push(['Allow root ssh login', 'prohibit-password']);
	}
	lines.push(['Start sshd(8) by default', 'yes'], ['Setup a user', 'no']);
	if (o.timezone) lines.push(['What timezone are you in', o.timezone]);
	lines.push(['Use (A)uto layout, (E)dit auto layout, or create (C)ustom layout', 'a']);
	if (o.setsServer) {
		lines.push(['Location of sets', 'http'], ['HTTP Server', oneLine(o.setsServer, 'the sets server')]);
		if (o.setsDirectory) lines.push(['Server directory', oneLine(o.setsDirectory, 'the sets directory')]);
	}
	if (o.sets) lines.push(['Set name(s)', oneLine(o.sets, 'the set names')]);
	return lines.map(([q, a]) => `${q} = ${a}\n`).join('');
}

/** A mirror URL split the way the installer asks for it: server, then directory. */
export function setsLocation(mirror: string, version: string, arch: string): { server: string; directory: string } {
	const u = new URL(mirror);
	return { server: u.host, directory: `${u.pathname.replace(/^\/+|\/+$/g, '')}/${version}/${arch}` };
}

export interface HttpRequest {
	method: string;
	path: string;
}

/** The largest request head we read; a guest that sends more is cut off. */
export const MAX_REQUEST_HEAD = 8192;

/**
 * Splits a byte stream into HTTP request heads. Under QEMU's guestfwd one unix stream
 * carries every guest connection to the address, one after the other, with no boundaries:
 * each head ends at its blank line, and the client closes after reading Content-Length.
 */
export class RequestSplitter {
	private buf = Buffer.alloc(0);

	/** The complete requests in `chunk`; 'overflow' if the guest sent a head that is too long. */
	push(chunk: Buffer): Array<HttpRequest | 'bad'> | 'overflow' {
		this.buf = Buffer.concat([this.buf, chunk]);
		const out: Array<HttpRequest | 'bad'> = [];
		for (;;) {
			const end = this.buf.indexOf('\r\n\r\n');
			if (end < 0) break;
			const head = this.buf.subarray(0, end).toString('latin1');
			this.buf = this.buf.subarray(end + 4);
			const m = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.[01]$/.exec(head.split('\r\n')[0]);
			out.push(m ? { method: m[1], path: m[2] } : 'bad');
		}
		if (this.buf.length > MAX_REQUEST_HEAD) return 'overflow';
		return out;
	}
}

/** The head of an HTTP/1.0 response of `length` bytes (the client closes after them). */
export function httpHead(status: 200 | 400 | 404, length: number): Buffer {
	const reason = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found' }[status];
	return Buffer.from(`HTTP/1.0 ${status} ${reason}\r\nContent-Type: ${status === 200 ? 'application/octet-stream' : 'text/plain'}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`, 'latin1');
}

/** One HTTP/1.0 response: head and body (only the head for HEAD). */
export function httpResponse(status: 200 | 400 | 404, body: Buffer, head = false): Buffer {
	return head ? httpHead(status, body.length) : Buffer.concat([httpHead(status, body.length), body]);
}

/** Where the cached sets are served (the response file's "Server directory"). */
export const SETS_DIRECTORY = 'sets';

/** The file a /sets/ path names, if it is one we may serve: a plain name, nothing else. */
export function setsFile(path: string): string | undefined {
	const m = /^\/sets\/([A-Za-z0-9_+-][A-Za-z0-9._+-]{0,127})$/.exec(path);
	if (!m || m[1].endsWith('.part') || m[1].endsWith('.tmp')) return undefined;
	return m[1];
}

/** index.txt as the installer reads it (`ls -ln` lines; it uses the last word). */
export function indexText(files: Array<{ name: string; size: number }>): string {
	return files.map((f) => `-rw-r--r--  1 0  0  ${f.size} Jan  1 00:00 ${f.name}\n`).join('');
}

/** The paths the installer asks for: MAC-install.conf, then install.conf (an upgrade is not ours to answer). */
export function isResponsePath(path: string): boolean {
	return /^\/(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}-)?install\.conf$/.test(path);
}

/** How many times obsdtui answers "Response file location?" before leaving it to a person. */
export const MAX_LOCATION_ANSWERS = 3;

/**
 * What to type at the installer's prompt, if it is one of the two an unattended install
 * must get past: the first question (Autoinstall), and the response file's location, which
 * the installer cannot guess (it asks DHCP's next-server, QEMU's host alias 10.0.2.2, not
 * the guestfwd address). `text` is the console text since obsdtui last answered (escapes
 * removed); only a prompt at its very end counts.
 */
export function installerAnswer(text: string, locationAnswers: number): { prompt: string; answer: string } | undefined {
	const last = text.slice(text.lastIndexOf('\n') + 1).replace(/\r/g, '');
	if (/\(I\)nstall, \(U\)pgrade, \(A\)utoinstall or \(S\)hell\? $/.test(last)) return { prompt: 'install mode', answer: 'a' };
	if (/^Response file location\? (\[[^\]]*\] )?$/.test(last) && locationAnswers < MAX_LOCATION_ANSWERS) {
		return { prompt: 'response file location', answer: AUTOINSTALL_URL };
	}
	return undefined;
}

// Naming the machine a command runs against (docs/user-guide.md, "Many hosts").
//
//   -H HOST, OBSDTUI_HOST, or HOST:VM wherever a VM name is taken. HOST is a name from
//   the hosts file, `[user@]host[:port]`, or an ssh config alias; `local` is this machine.
//   The hosts file is $XDG_CONFIG_HOME/obsdtui/hosts (else ~/.config/obsdtui/hosts):
//
//     # name   target              options
//     mini     alice@mini.lan      obsdtui=/opt/homebrew/bin/obsdtui
//     build    build:2222          timeout=20
//
// Nothing here opens a connection: src/client/ssh.ts does, given a Host.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../common/errors.ts';
import { checkVmName } from '../common/paths.ts';

export interface Host {
	/** What the user called it: the hosts-file name, or the target itself. */
	name: string;
	/** `[user@]host` or an ssh config alias, without the port. */
	dest: string;
	port?: number;
	/** The obsdtui command on the far side (hosts file `obsdtui=`, else OBSDTUI_REMOTE_OBSDTUI, else `obsdtui`). */
	remoteCommand?: string;
	/** Seconds `ls --all` waits for this host (hosts file `timeout=`). */
	timeoutS?: number;
}

export const LOCAL = 'local';

export function hostsFilePath(): string {
	const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
	return join(base, 'obsdtui', 'hosts');
}

// What ssh accepts as a destination, minus what would let a hosts file or a -H value
// smuggle an ssh option in (a leading '-') or break the remote command line.
const DEST_RE = /^(?:[A-Za-z0-9._%+-]+@)?[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** `[user@]host[:port]` or an alias -> dest and port; a one-line error for anything else. */
export function parseTarget(target: string, name = target): Host {
	const m = /^(.*?)(?::(\d+))?$/.exec(target)!;
	const dest = m[1];
	if (!DEST_RE.test(dest)) throw new UserError(`invalid host ${JSON.stringify(target)}: use [user@]host[:port] or an ssh config alias`);
	const host: Host = { name, dest };
	if (m[2] !== undefined) {
		const port = Number(m[2]);
		if (!(port >= 1 && port <= 65535)) throw new UserError(`invalid port in host ${JSON.stringify(target)}`);
		host.port = port;
	}
	return host;
}

/** The hosts file, parsed; a malformed line is an error naming the file and line. */
export function readHostsFile(path = hostsFilePath()): Host[] {
	if (!existsSync(path)) return [];
	const hosts: Host[] = [];
	const lines = readFileSync(path, 'utf8').split('\n');
	lines.forEach((raw, i) => {
		const line = raw.replace(/#.*/, '').trim();
		if (!line) return;
		const where = `${path}:${i + 1}`;
		const [name, target, ...opts] = line.split(/\s+/);
		if (!target) throw new UserError(`${where}: expected 'name target [options]'`);
		if (name === LOCAL || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new UserError(`${where}: invalid host name ${JSON.stringify(name)}`);
		if (hosts.some((h) => h.name === name)) throw new UserError(`${where}: host ${name} is listed twice`);
		let host: Host;
		try {
			host = parseTarget(target, name);
		} catch (err) {
			throw new UserError(`${where}: ${(err as Error).message}`);
		}
		for (const opt of opts) {
			const eq = opt.indexOf('=');
			const key = eq < 0 ? opt : opt.slice(0, eq);
			const value = eq < 0 ? '' : opt.slice(eq + 1);
			if (key === 'obsdtui' && value) host.remoteCommand = value;
			else if (key === 'timeout' && Number(value) > 0) host.timeoutS = Number(value);
			else throw new UserError(`${where}: unknown option ${JSON.stringify(opt)} (known: obsdtui=COMMAND, timeout=SECONDS)`);
		}
		hosts.push(host);
	});
	return hosts;
}

/** A name from the hosts file, else a target; undefined for `local` or an empty name. */
export function resolveHost(name: string, file = readHostsFile()): Host | undefined {
	if (!name || name === LOCAL) return undefined;
	return file.find((h) => h.name === name) ?? parseTarget(name);
}

// The host this command runs against: set once from -H / OBSDTUI_HOST (main.ts) and
// from a HOST:VM argument (vmArg below). connectDaemon() uses it when not told otherwise.
let chosen: { name: string; from: string } | undefined;

/** Called by main.ts with -H's value (or OBSDTUI_HOST's when -H is absent). */
export function chooseHost(name: string | undefined, from: string): void {
	if (name === undefined) return;
	chosen = { name, from };
}

/** The host chosen for this command, or undefined for this machine. */
export function currentHost(): Host | undefined {
	return chosen ? resolveHost(chosen.name) : undefined;
}

/**
 * Split `HOST:VM` at its last colon (VM names have none; a port may come before it) and
 * check the VM name. A host given this way is used for the whole command; one that
 * contradicts -H is an error, not a silent choice.
 */
export function splitVmArg(arg: string): { host?: string; vm: string } {
	const i = arg.lastIndexOf(':');
	if (i < 0) return { vm: checkVmName(arg) };
	const host = arg.slice(0, i);
	if (!host) throw new UserError(`invalid VM name ${JSON.stringify(arg)}: nothing before ':'`);
	return { host, vm: checkVmName(arg.slice(i + 1)) };
}

/** Every command's VM argument: `VM` or `HOST:VM`. Returns the VM name. */
export function vmArg(arg: unknown): string {
	if (typeof arg !== 'string') return checkVmName(arg);
	const { host, vm } = splitVmArg(arg);
	if (host !== undefined) {
		if (chosen && chosen.name !== host && chosen.from === '-H') throw new UserError(`${arg} names host ${host}, but -H names ${chosen.name}`);
		resolveHost(host);
		chosen = { name: host, from: arg };
	}
	return vm;
}

/** Whether this command runs against another machine (some commands then read files through the daemon). */
export function isRemote(): boolean {
	return currentHost() !== undefined;
}

/**
 * OBSDTUI_SSH split into argv like a shell would, minimally: whitespace separates words,
 * single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash
 * outside quotes escapes the next character. No variables, globs or other expansion.
 */
export function splitCommandLine(text: string): string[] {
	const words: string[] = [];
	let word = '';
	let inWord = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === "'") {
			const end = text.indexOf("'", i + 1);
			if (end < 0) throw new UserError(`unterminated ' in ${JSON.stringify(text)}`);
			word += text.slice(i + 1, end);
			i = end;
			inWord = true;
		} else if (c === '"') {
			let j = i + 1;
			for (; j < text.length && text[j] !== '"'; j++) {
				if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
				word += text[j];
			}
			if (j >= text.length) throw new UserError(`unterminated " in ${JSON.stringify(text)}`);
			i = j;
			inWord = true;
		} else if (c === '\\' && i + 1 < text.length) {
			word += text[++i];
			inWord = true;
		} else if (/\s/.test(c)) {
			if (inWord) words.push(word);
			word = '';
			inWord = false;
		} else {
			word += c;
			inWord = true;
		}
	}
	if (inWord) words.push(word);
	return words;
}

export function sshCommand(): string[] {
	const argv = splitCommandLine(process.env.OBSDTUI_SSH || 'ssh');
	if (!argv.length) throw new UserError('OBSDTUI_SSH is empty');
	return argv;
}

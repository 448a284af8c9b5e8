// docs/obsdtui.1 must stay well-formed and true to the code: mandoc's own lint when it is
// installed, and, always, a check that every command registered in src/cli/index.ts, every
// option its --help declares and every environment variable the code reads is in the page,
// so a new flag cannot ship undocumented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { allCommands } from '../../src/cli/index.ts';
import { BIN, ROOT } from '../helpers/cli.ts';

const PAGE_PATH = join(ROOT, 'docs', 'obsdtui.1');
const page = readFileSync(PAGE_PATH, 'utf8');

interface Help {
	long: string[];
	short: string[];
	choices: string[];
}

/** The options of one yargs --help text. Only the option column counts, not wrapped descriptions. */
function parseHelp(text: string): Help {
	const long: string[] = [];
	const short: string[] = [];
	for (const line of text.split('\n')) {
		const m = /^(?: {2}-([A-Za-z0-9]), | {6})--([A-Za-z0-9][\w-]*)/.exec(line);
		if (!m || m[2] === 'help') continue;
		long.push(m[2]);
		if (m[1]) short.push(m[1]);
	}
	const choices = [...text.matchAll(/\[choices: ([^\]]+)\]/g)].flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((c) => c[1]));
	return { long, short, choices };
}

function section(text: string, name: string): string {
	const start = text.indexOf(`\n.Sh ${name}\n`);
	if (start < 0) return '';
	const end = text.indexOf('\n.Sh ', start + 1);
	return text.slice(start, end < 0 ? undefined : end);
}

/** Each command's entry in COMMANDS: from its `.It Cm NAME` to the next one. */
function commandEntries(text: string): Map<string, string> {
	const entries = new Map<string, string>();
	const parts = section(text, 'COMMANDS').split(/\n(?=\.It Cm )/);
	for (const p of parts.slice(1)) entries.set(p.split(/\s+/)[2], p);
	return entries;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hasFl = (text: string, flag: string) => new RegExp(`\\bFl ${escape(flag)}(?![\\w-])`).test(text);
/** An option is documented by a list item of its own, not by being mentioned in passing. */
const hasItem = (text: string, flag: string) => text.split('\n').some((l) => l.startsWith('.It ') && hasFl(l, flag));
const hasWord = (text: string, word: string) => new RegExp(`(?<![\\w-])${escape(word)}(?![\\w-])`).test(text);

/**
 * What the page leaves out of command `name` (`$0`: the TUI with no command). An option the
 * TUI commands share has its item before COMMANDS; their entries need only name it.
 */
function undocumented(text: string, name: string, help: Help): string[] {
	const common = text.slice(0, text.indexOf('\n.Sh COMMANDS\n'));
	const where = name === '$0' ? common : commandEntries(text).get(name);
	if (where === undefined) return [`command ${name}`];
	const ok = (flag: string) => hasItem(where, flag) || (hasItem(common, flag) && (hasFl(where, flag) || GLOBAL.includes(flag)));
	const missing: string[] = [];
	for (const o of help.long) if (!ok(`-${o}`)) missing.push(`${name} --${o}`);
	for (const o of help.short) if (!ok(o)) missing.push(`${name} -${o}`);
	for (const c of help.choices) if (!hasWord(where, c)) missing.push(`${name} choice ${c}`);
	return missing;
}

/**
 * Options of the root parser (src/main.ts, `global: true`): every command's --help shows
 * them, and the page documents them once, before COMMANDS.
 */
const GLOBAL = ['-host', 'H'];

function documentedEnv(text: string): Set<string> {
	const names = new Set<string>();
	for (const m of section(text, 'ENVIRONMENT').matchAll(/^\.It Ev (.+)$/gm)) {
		for (const w of m[1].split(/[\s,]+/)) if (/^[A-Z_][A-Z0-9_]*$/.test(w)) names.add(w);
	}
	return names;
}

/** Every `env.NAME` the shipped code reads. */
function envReadByCode(): Map<string, string> {
	const found = new Map<string, string>();
	const walk = (dir: string) => {
		for (const e of readdirSync(dir, { withFileTypes: true })) {
			const p = join(dir, e.name);
			if (e.isDirectory()) walk(p);
			else if (/\.(ts|tsx|js|mjs)$/.test(e.name)) {
				for (const m of readFileSync(p, 'utf8').matchAll(/\benv\.([A-Z_][A-Z0-9_]*)/g)) found.set(m[1], p.slice(ROOT.length + 1));
			}
		}
	};
	walk(join(ROOT, 'src'));
	walk(join(ROOT, 'bin'));
	return found;
}

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (err += d));
		const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('close', (code) => {
			clearTimeout(guard);
			resolve({ code, out, err });
		});
	});
}

/** The subcommands a command's --help lists ("obsdtui glass read <images..>  ..."). */
function subcommands(help: string, name: string): string[] {
	const at = help.indexOf('\nCommands:\n');
	if (at < 0) return [];
	const subs: string[] = [];
	for (const line of help.slice(at + 11).split('\n')) {
		if (!line.trim()) break;
		const m = new RegExp(`^ {2}obsdtui ${escape(name)} ([a-z][\\w-]*)`).exec(line);
		if (m) subs.push(m[1]);
	}
	return subs;
}

function commandName(c: CommandModule): string {
	const spec = Array.isArray(c.command) ? c.command[0] : c.command;
	return String(spec).split(' ')[0];
}

const lint = spawnSync('mandoc', ['-T', 'lint', '-W', 'style', PAGE_PATH], { encoding: 'utf8' });
const noMandoc = (lint.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

test('mandoc -T lint finds nothing wrong with the page', { skip: noMandoc ? 'mandoc is not installed (apt-get install mandoc)' : false }, () => {
	assert.equal(lint.error, undefined);
	// On a system without OpenBSD's pages every .Xr ddb 4 is "not found"; that is not the page's fault.
	const messages = `${lint.stdout}${lint.stderr}`
		.split('\n')
		.filter((l) => l && !/referenced manual not found|mandoc\.db/.test(l));
	assert.deepEqual(messages, []);
	assert.ok(lint.status === 0 || lint.status === 1, `mandoc exited ${lint.status}: a warning or error`);
});

test('the page has the OpenBSD sections, in their order', () => {
	assert.match(page, /^\.Dd \$Mdocdate: [A-Z][a-z]+ \d{1,2} \d{4} \$$/m);
	assert.match(page, /^\.Dt OBSDTUI 1$/m);
	assert.match(page, /^\.Os$/m);
	const order = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'ENVIRONMENT', 'FILES', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO', 'HISTORY', 'CAVEATS'];
	const at = order.map((s) => page.indexOf(`\n.Sh ${s}\n`));
	for (const [i, s] of order.entries()) assert.ok(at[i] > 0, `no .Sh ${s}`);
	assert.deepEqual([...at].sort((a, b) => a - b), at);
	for (const x of ['cu 1', 'sendbug 1', 'tmux 1', 'qemu-system-aarch64 1', 'ddb 4', 'vio 4', 'viogpu 4']) {
		assert.match(section(page, 'SEE ALSO'), new RegExp(`^\\.Xr ${escape(x)}`, 'm'));
	}
});

test('the exit statuses of src/main.ts are the documented ones', () => {
	const main = readFileSync(join(ROOT, 'src', 'main.ts'), 'utf8');
	const codes = new Set(['1', ...[...main.matchAll(/fail\([^;]*?, (\d+)\)/g)].map((m) => m[1])]);
	assert.deepEqual([...codes].sort(), ['1', '2', '70']);
	const exit = section(page, 'EXIT STATUS');
	for (const c of codes) assert.match(exit, new RegExp(`^\\.It ${c}$`, 'm'));
});

test('every command, option and choice in --help is in the page', async () => {
	const commands = await allCommands();
	const names = commands.map(commandName);
	assert.ok(names.includes('up') && names.includes('$0'), `unexpected command list: ${names.join(' ')}`);
	const helps = await Promise.all(names.map((n) => run(n === '$0' ? ['--help'] : [n, '--help'])));
	const missing: string[] = [];
	for (const [i, name] of names.entries()) {
		const h = helps[i];
		assert.equal(h.code, 0, `obsdtui ${name} --help exited ${h.code}: ${h.err}`);
		const help = parseHelp(h.out);
		// A parser that found nothing would pass every page: it must find up's options.
		if (name === 'up') assert.ok(help.long.includes('kernel') && help.short.includes('f'), h.out);
		missing.push(...undocumented(page, name, help));
		// A command with subcommands (glass read): each one's options belong in its entry too.
		for (const sub of subcommands(h.out, name)) {
			const sh = await run([name, sub, '--help']);
			assert.equal(sh.code, 0, `obsdtui ${name} ${sub} --help exited ${sh.code}: ${sh.err}`);
			missing.push(...undocumented(page, name, parseHelp(sh.out)).map((m) => m.replace(`${name} `, `${name} ${sub} `)));
			if (!new RegExp(`^\\.It Cm ${escape(name)} ${escape(sub)}\\b`, 'm').test(page)) missing.push(`command ${name} ${sub}`);
		}
	}
	assert.deepEqual(missing, [], `docs/obsdtui.1 does not document: ${missing.join(', ')}`);
});

test('the check above notices an option, a command or a choice the page lost', () => {
	const help: Help = { long: ['kernel', 'spec'], short: ['f'], choices: ['auto', 'hvf'] };
	assert.deepEqual(undocumented(page, 'up', help), []);
	const noKernel = page.replace(/^\.It Fl -kernel .*$/m, '.It Fl -kernal Ar file');
	assert.deepEqual(undocumented(noKernel, 'up', help), ['up --kernel']);
	const noHvf = page.replace(/\bhvf\b/g, 'xxx');
	assert.deepEqual(undocumented(noHvf, 'up', help), ['up choice hvf']);
	assert.deepEqual(undocumented(page, 'frobnicate', help), ['command frobnicate']);
	// Subcommands: found in a command's --help, and their options checked in its entry.
	assert.deepEqual(subcommands('obsdtui glass <command>\n\nCommands:\n  obsdtui glass read <images..>  Print the text\n                                 (PNG or PPM)\n\nOptions:\n  -h, --help\n', 'glass'), ['read']);
	const glassRead: Help = { long: ['font', 'json'], short: [], choices: [] };
	assert.deepEqual(undocumented(page, 'glass', glassRead), []);
	assert.deepEqual(undocumented(page.replace(/Fl -font/g, 'Fl -fnt'), 'glass', glassRead), ['glass --font']);
	assert.deepEqual(parseHelp('Options:\n  -f, --spec  VM spec\n      --kernel  k\n                and --wrapped text\n  -h, --help\n'), {
		long: ['spec', 'kernel'],
		short: ['f'],
		choices: [],
	});
});

test('every environment variable the code reads is in ENVIRONMENT', () => {
	const documented = documentedEnv(page);
	const read = envReadByCode();
	assert.ok(read.has('OBSDTUI_STATE_DIR'), 'the scan of src/ found nothing');
	const missing = [...read].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (${file})`);
	assert.deepEqual(missing, []);
});

// Drives a real terminal: a private tmux server (its own -L socket per test), a detached
// session of a fixed size, keys in with send-keys, the screen out with capture-pane.
import { execFileSync, spawnSync } from 'node:child_process';

let counter = 0;

export function haveTmux(): boolean {
	return spawnSync('tmux', ['-V']).status === 0;
}

export class Tmux {
	readonly socket: string;

	constructor(readonly width: number, readonly height: number) {
		this.socket = `obsdtui-test-${process.pid}-${++counter}`;
	}

	private tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
	}

	/**
	 * Starts `command` (a shell command line) in a new session, in the environment of a
	 * user's terminal: CI=false (Ink draws), and no colour overrides inherited from the
	 * test runner (it sets FORCE_COLOR=0) unless given in `env`.
	 */
	start(command: string, env: Record<string, string> = {}): void {
		const vars = Object.entries({ CI: 'false', TERM: 'xterm-256color', ...env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
		const unset = ['FORCE_COLOR', 'NO_COLOR'].filter((k) => !(k in env)).map((k) => `-u ${k}`);
		this.tmux('new-session', '-d', '-x', String(this.width), '-y', String(this.height), `env ${unset.join(' ')} ${vars.join(' ')} ${command}`);
		this.tmux('set-option', '-g', 'remain-on-exit', 'on');
	}

	sendKeys(...keys: string[]): void {
		this.tmux('send-keys', '-t', '0', ...keys);
	}

	/** Literal text, not key names. */
	type(text: string): void {
		this.tmux('send-keys', '-t', '0', '-l', text);
	}

	/** The pane as plain text (escapes: with SGR attributes, as `capture-pane -e` prints them). */
	capture(escapes = false): string {
		return this.tmux('capture-pane', '-p', '-t', '0', ...(escapes ? ['-e'] : []));
	}

	resize(width: number, height: number): void {
		this.tmux('resize-window', '-t', '0', '-x', String(width), '-y', String(height));
	}

	/** Whether the program in the pane has exited (remain-on-exit keeps the pane). */
	dead(): boolean {
		return this.tmux('display-message', '-p', '-t', '0', '#{pane_dead}').trim() === '1';
	}

	/** Whether the pane is in the alternate screen now. */
	alternateOn(): boolean {
		return this.tmux('display-message', '-p', '-t', '0', '#{alternate_on}').trim() === '1';
	}

	/** Set a global tmux option on this server. */
	set(option: string, value: string): void {
		this.tmux('set-option', '-g', option, value);
	}

	/** A tmux format evaluated for the pane, e.g. `#{mouse_any_flag}`. */
	option(format: string): string {
		return this.tmux('display-message', '-p', '-t', '0', format).trim();
	}

	paneTitle(): string {
		return this.option('#{pane_title}');
	}

	/** Names of tmux's paste buffers ('' when none): OSC 52 from a pane would create one. */
	buffers(): string {
		return this.tmux('list-buffers', '-F', '#{buffer_name}').trim();
	}

	async waitFor(check: (screen: string) => boolean, ms = 20000, what = 'screen'): Promise<string> {
		const deadline = Date.now() + ms;
		for (;;) {
			const screen = this.capture();
			if (check(screen)) return screen;
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}

	waitForText(text: string, ms?: number): Promise<string> {
		return this.waitFor((s) => s.includes(text), ms, JSON.stringify(text));
	}

	kill(): void {
		spawnSync('tmux', ['-L', this.socket, 'kill-server']);
	}
}

function shellQuote(s: string): string {
	return `'${s.replace(/'/g, `'\\''`)}'`;
}

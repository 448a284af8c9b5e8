// Passwords never leave the machine in a report. A console only shows what the guest
// echoed, but a guest that echoes at a password prompt (a misconfigured tty, a serial
// line in the wrong mode) puts the secret right after the prompt or on the next line.

const PROMPT_RE = /((?:^|\s)(?:[\w.@-]+'s )?(?:[Pp]assword|[Pp]assphrase)(?: for [^:?]*)?[:?])(.*)$/;
// What the installer itself prints after its password questions.
const HARMLESS_RE = /^\s*(?:\((?:will not echo|again)\)\s*)*(?:<provided>)?\s*$/;
const OUTPUT_RE = /^(?:Login incorrect|Sorry|Permission denied|Last login|OpenBSD|login:|$)/;

export function redactPasswords(text: string): string {
	if (!/[Pp]ass(?:word|phrase)/.test(text)) return text;
	const lines = text.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const m = PROMPT_RE.exec(lines[i]);
		if (!m) continue;
		const rest = m[2];
		const keep = /^\s*(?:\((?:will not echo|again)\)\s*)*/.exec(rest)![0];
		if (!HARMLESS_RE.test(rest)) lines[i] = lines[i].slice(0, m.index + m[1].length) + keep + (keep.endsWith(' ') || keep === '' ? '' : ' ') + '[password removed]';
		else if (rest.trim() === '' && i + 1 < lines.length) {
			// Prompt alone on its line: an echoed secret would be the next line, a single word.
			const next = lines[i + 1].trim();
			if (next !== '' && !/\s/.test(next) && !OUTPUT_RE.test(next)) lines[i + 1] = '[password removed]';
		}
	}
	return lines.join('\n');
}

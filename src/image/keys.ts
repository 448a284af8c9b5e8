// OpenBSD's base signing keys, shipped as data, each with where it was published. A
// release X.Y's SHA256.sig is signed with openbsd-XY-base.pub; -current snapshots are
// signed with the next release's key, which each release already carries in /etc/signify.
// Keys are never fetched from a mirror: a mirror that could swap the files could swap the
// key too. More keys come from --key FILE, /etc/signify (an OpenBSD host) and
// /usr/share/signify-openbsd-keys (Debian's signify-openbsd-keys package).
//
// Do not add a key here without a source a person can check; never add one read off a
// mirror.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../common/errors.ts';
import { namedKey, parsePublicKey, type PublicKey, type Signature } from './signify.ts';

export interface ShippedKey {
	name: string;
	/** The release whose files it signs, e.g. '7.9'. */
	release: string;
	/** The second line of the .pub file. */
	key: string;
	/** The first line's comment, as published. */
	comment: string;
	/** Where it was published. */
	source: string;
}

// Debian bookworm's signify-openbsd-keys 2022.2 (pool/main/s/signify-openbsd-keys/
// signify-openbsd-keys_2022.2_all.deb, SHA256 1d39a919f121a07c9fce1fd63d50001b3f22b18722184ff54a2ae15448d37a65,
// installed through apt, whose archive signatures vouch for it; `dpkg -V` found the files
// unchanged). The package carries OpenBSD's src/etc/signify keys up to 7.3.
const DEBIAN = 'Debian package signify-openbsd-keys 2022.2, /usr/share/signify-openbsd-keys/';

export const SHIPPED_KEYS: readonly ShippedKey[] = [
	{ name: 'openbsd-55-base.pub', release: '5.5', key: 'RWRGy8gxk9N9314J0gh9U02lA7s8i6ITajJiNgxQOndvXvM5ZPX+nQ9h', comment: 'openbsd 5.5 base public key', source: DEBIAN },
	{ name: 'openbsd-56-base.pub', release: '5.6', key: 'RWR0EANmo9nqhpPbPUZDIBcRtrVcRwQxZ8UKGWY8Ui4RHi229KFL84wV', comment: 'openbsd 5.6 base public key', source: DEBIAN },
	{ name: 'openbsd-57-base.pub', release: '5.7', key: 'RWSvUZXnw9gUb70PdeSNnpSmodCyIPJEGN1wWr+6Time1eP7KiWJ5eAM', comment: 'openbsd 5.7 base public key', source: DEBIAN },
	{ name: 'openbsd-58-base.pub', release: '5.8', key: 'RWQNNZXtC/MqP3Eiu+6FBz/qrxiWQwDhd+9Yljzp62UP4KzFmmvzVk60', comment: 'openbsd 5.8 base public key', source: DEBIAN },
	{ name: 'openbsd-59-base.pub', release: '5.9', key: 'RWQJVNompF3pwfIqbg+5sxfpxmZMa3tTBaW4qbUhWje/H/M7glrA6oVn', comment: 'openbsd 5.9 base public key', source: DEBIAN },
	{ name: 'openbsd-60-base.pub', release: '6.0', key: 'RWSho3oKSqgLQy+NpIhFXZJDtkE65tzlmtC24mStf8DoJd2OPMgna4u8', comment: 'openbsd 6.0 base public key', source: DEBIAN },
	{ name: 'openbsd-61-base.pub', release: '6.1', key: 'RWQEQa33SgQSEsMwwVV1+GjzdcQfRNV2Bgo48Ztd2KiZ9bAodz9c+Maa', comment: 'openbsd 6.1 base public key', source: DEBIAN },
	{ name: 'openbsd-62-base.pub', release: '6.2', key: 'RWRVWzAMgtyg7g27STK1h1xA6RIwtjex6Vr5Y9q5SC5q5+b0GN4lLhfu', comment: 'openbsd 6.2 base public key', source: DEBIAN },
	{ name: 'openbsd-63-base.pub', release: '6.3', key: 'RWRxzbLwAd76ZZxHU7wuIFUOVGwl6SjNNzanKWTql8w+hui7WLE/72mW', comment: 'openbsd 6.3 base public key', source: DEBIAN },
	{ name: 'openbsd-64-base.pub', release: '6.4', key: 'RWQq6XmS4eDAcQW4KsT5Ka0KwTQp2JMOP9V/DR4HTVOL5Bc0D7LeuPwA', comment: 'openbsd 6.4 base public key', source: DEBIAN },
	{ name: 'openbsd-65-base.pub', release: '6.5', key: 'RWSZaRmt1LEQT9CtPygf9CvONu8kYPTlVEJdysNoUR62/NkeWgdkc3zY', comment: 'openbsd 6.5 base public key', source: DEBIAN },
	{ name: 'openbsd-66-base.pub', release: '6.6', key: 'RWSvK/c+cFe24BIalifKnqoqdvLlXfeZ9MIj3MINndNeKgyYw5PpcWGn', comment: 'openbsd 6.6 base public key', source: DEBIAN },
	{ name: 'openbsd-67-base.pub', release: '6.7', key: 'RWRmkIA877Io3oCILSZoJGhAswifJbFK4r18ICoia+3c0PfwANueolNj', comment: 'openbsd 6.7 base public key', source: DEBIAN },
	{ name: 'openbsd-68-base.pub', release: '6.8', key: 'RWQZj25CSG5R2oLo5735Hh6C48kkjFsj5rJDjW+fGZwyY+BkD5/zps8f', comment: 'openbsd 6.8 base public key', source: DEBIAN },
	{ name: 'openbsd-69-base.pub', release: '6.9', key: 'RWQQsAemppS46LT4dNnAtVUZt51ResyNU35n4OH9yl/r7JcR3B75fO4V', comment: 'openbsd 6.9 base public key', source: DEBIAN },
	{ name: 'openbsd-70-base.pub', release: '7.0', key: 'RWR3KL+gSr4QZ5mOvKhcOOgGe61ogHp5PyBOj2RrmyCpqchk9A7NVPzh', comment: 'openbsd 7.0 base public key', source: DEBIAN },
	{ name: 'openbsd-71-base.pub', release: '7.1', key: 'RWR2eHwZTOEiTWog354iy3StRj18VbZl87O9uZpa1M2jGLXEkco6vDT5', comment: 'openbsd 7.1 public key', source: DEBIAN },
	{ name: 'openbsd-72-base.pub', release: '7.2', key: 'RWQTKNnK3CZZ8Lid7/kWPO1WxjEsTeuxiXbJSSg6RDir9OJmV+t7GrOo', comment: 'openbsd 7.2 public key', source: DEBIAN },
	{ name: 'openbsd-73-base.pub', release: '7.3', key: 'RWQS90bYzZ4XFms5z9OodrFABHMQnW6htU+4Tmp88NuQiTEezMm2cQ3K', comment: 'openbsd 7.3 public key', source: DEBIAN },
	{ name: 'openbsd-79-base.pub', release: '7.9', key: 'RWTSdNN9A3yvWNn7mUjXwv9DOCOUnyfuV+mq1iGPIfD+NhN8EYnEQ1at', comment: 'openbsd 7.9 base public key', source: 'https://www.openbsd.org/79.html' },
];

/** Directories whose openbsd-NN-base.pub files are trusted as well. */
export const KEY_DIRS = ['/etc/signify', '/usr/share/signify-openbsd-keys'];

export interface TrustedKey {
	name: string;
	/** 79 for openbsd-79-base.pub; undefined for a --key file (the user vouches for it for any version). */
	release?: number;
	key: PublicKey;
	source: string;
}

const BASE_NAME = /^openbsd-(\d)(\d)-base\.pub$/;

function releaseOfName(name: string): number | undefined {
	const m = BASE_NAME.exec(name);
	return m ? Number(m[1] + m[2]) : undefined;
}

/** '7.9' -> 79. */
export function releaseNumber(version: string): number | undefined {
	const m = /^(\d)\.(\d)$/.exec(version);
	return m ? Number(m[1] + m[2]) : undefined;
}

/** 79 -> '7.9'. */
function releaseText(n: number): string {
	return `${Math.floor(n / 10)}.${n % 10}`;
}

export function shippedKeys(): TrustedKey[] {
	return SHIPPED_KEYS.map((k) => ({
		name: k.name,
		release: releaseOfName(k.name),
		key: parsePublicKey(`untrusted comment: ${k.comment}\n${k.key}\n`, k.name),
		source: `shipped (${k.source})`,
	}));
}

/** The newest release whose key obsdtui ships: snapshots must be signed by a newer one. */
export function newestShippedRelease(): number {
	return Math.max(...SHIPPED_KEYS.map((k) => releaseOfName(k.name) ?? 0));
}

function readKeyFile(path: string, release: number | undefined, source: string): TrustedKey {
	let data: Buffer;
	try {
		data = readFileSync(path);
	} catch (err) {
		throw new UserError(`cannot read key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
	}
	try {
		return { name: basename(path), release, key: parsePublicKey(data, path), source };
	} catch (err) {
		throw new UserError(`${(err as Error).message}`);
	}
}

/** openbsd-NN-base.pub files of a directory; a missing directory has none, a broken file is skipped. */
export function keysInDir(dir: string): TrustedKey[] {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return [];
	}
	const keys: TrustedKey[] = [];
	for (const name of names.sort()) {
		const release = releaseOfName(name);
		if (release === undefined) continue;
		try {
			keys.push(readKeyFile(join(dir, name), release, dir));
		} catch {
			// not a signify key: not ours to complain about
		}
	}
	return keys;
}

/** Every key we trust: shipped, the system directories, and the user's --key files. */
export function trustedKeys(userKeys: string[] = [], dirs = KEY_DIRS): TrustedKey[] {
	const user = userKeys.map((p) => readKeyFile(p, undefined, `--key ${p}`));
	return [...user, ...dirs.flatMap(keysInDir), ...shippedKeys()];
}

/**
 * The key that must have made `sig` for files of `version` ('7.9' or 'snapshots'). A
 * release must be signed with its own key and a snapshot with a key newer than the newest
 * release we ship, so that an older signed list (same file names, older files) cannot be
 * replayed in its place. Keys given with --key are the user's choice and pass for any
 * version. Throws a UserError that says which key is missing and where to get it.
 */
export function keyForSignature(sig: Signature, version: string, keys: TrustedKey[]): TrustedKey {
	const newest = newestShippedRelease();
	const wanted = releaseNumber(version);
	const fits = (k: TrustedKey) => k.release === undefined || (wanted !== undefined ? k.release === wanted : k.release > newest);
	const matching = keys.filter((k) => k.key.keynum === sig.keynum);
	const key = matching.find(fits);
	if (key) return key;
	if (matching.length > 0) {
		const k = matching[0];
		const should = wanted !== undefined ? `openbsd-${wanted}-base.pub` : `a key newer than openbsd-${newest}-base.pub`;
		throw new UserError(`SHA256.sig for ${version} is signed with ${k.name}, not ${should}: refusing an older release's signed list`);
	}
	const claimed = namedKey(sig);
	const needed = wanted !== undefined ? `openbsd-${wanted}-base.pub` : claimed && releaseOfName(claimed) !== undefined ? claimed : `openbsd-${newest + 1}-base.pub`;
	const n = releaseOfName(needed);
	// Each release carries the next release's key in /etc/signify, which is why snapshots
	// (signed with that next key) can be checked on the release before them.
	const where = n !== undefined && n - 1 >= 10 ? `; an OpenBSD ${releaseText(n - 1)} system keeps it in /etc/signify/${needed}` : '';
	throw new UserError(`SHA256.sig is signed with key ${sig.keynum}${claimed ? ` ("verify with ${claimed}")` : ''}, which is not a trusted key: ${version} needs ${needed}${where}; pass it with --key FILE (never a key fetched from the same mirror)`);
}

export function describeKeys(keys: TrustedKey[]): string[] {
	return keys.map((k) => `${k.name}\t${k.key.keynum}\t${k.source}`);
}

// signify's formats and Ed25519 checks in TypeScript, against signatures made by the real
// signify (Debian's signify-openbsd) with keys made in the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/common/errors.ts';
import { keyForSignature, newestShippedRelease, SHIPPED_KEYS, shippedKeys, type TrustedKey } from '../../src/image/keys.ts';
import { parsePublicKey, parseSha256List, parseSignature, parseSignedMessage, verifySignature } from '../../src/image/signify.ts';
import { haveSignify, makeKey } from '../helpers/mirror.ts';

const skip = haveSignify() ? false : 'signify-openbsd is not installed (apt-get install signify-openbsd)';

function tmp(): string {
	return mkdtempSync('/tmp/ot-signify-');
}

test('every shipped key parses, has its own key number and says where it was published', () => {
	const keys = shippedKeys();
	assert.equal(keys.length, SHIPPED_KEYS.length);
	assert.equal(new Set(keys.map((k) => k.key.keynum)).size, keys.length);
	for (const k of keys) {
		assert.equal(k.key.key.length, 32, k.name);
		assert.match(k.name, /^openbsd-\d\d-base\.pub$/);
		assert.match(k.source, /openbsd\.org|Debian package/);
	}
	const k79 = keys.find((k) => k.name === 'openbsd-79-base.pub');
	assert.ok(k79);
	assert.equal(k79.release, 79);
	assert.match(k79.source, /openbsd\.org\/79\.html/);
	// The key number is the 8 bytes after "Ed" in the published base64.
	assert.equal(k79.key.keynum, Buffer.from('RWTSdNN9A3yvWNn7mUjXwv9DOCOUnyfuV+mq1iGPIfD+NhN8EYnEQ1at', 'base64').subarray(2, 10).toString('hex'));
	assert.equal(newestShippedRelease(), 79);
});

test('a detached signature made by signify verifies, and fails with one byte changed', { skip }, () => {
	const dir = tmp();
	try {
		const key = makeKey(dir, 'k');
		const msg = join(dir, 'msg');
		writeFileSync(msg, 'OpenBSD is secure by default.\n');
		execFileSync('signify-openbsd', ['-S', '-s', key.sec, '-m', msg, '-x', `${msg}.sig`]);
		const pub = parsePublicKey(readFileSync(key.pub));
		const sig = parseSignature(readFileSync(`${msg}.sig`));
		assert.equal(sig.keynum, pub.keynum);
		assert.equal(sig.comment, 'verify with k.pub');
		const data = readFileSync(msg);
		assert.equal(verifySignature(pub, sig, data), true);
		for (const at of [0, 7, data.length - 1]) {
			const bad = Buffer.from(data);
			bad[at] ^= 0x01;
			assert.equal(verifySignature(pub, sig, bad), false, `byte ${at} changed`);
		}
		const badSig = { ...sig, sig: Buffer.from(sig.sig) };
		badSig.sig[10] ^= 0x80;
		assert.equal(verifySignature(pub, badSig, data), false);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('an embedded SHA256.sig (signify -S -e) splits into signature and list, and verifies', { skip }, () => {
	const dir = tmp();
	try {
		const key = makeKey(dir, 'openbsd-80-base');
		writeFileSync(join(dir, 'miniroot80.img'), 'not really a miniroot\n');
		writeFileSync(join(dir, 'bsd.rd'), Buffer.alloc(1000, 7));
		writeFileSync(join(dir, 'SHA256'), execFileSync('sha256sum', ['--tag', 'bsd.rd', 'miniroot80.img'], { cwd: dir }));
		execFileSync('signify-openbsd', ['-S', '-e', '-s', key.sec, '-m', join(dir, 'SHA256'), '-x', join(dir, 'SHA256.sig')]);
		const file = readFileSync(join(dir, 'SHA256.sig'));
		const signed = parseSignedMessage(file);
		assert.equal(signed.signature.comment, 'verify with openbsd-80-base.pub');
		assert.deepEqual(signed.message, readFileSync(join(dir, 'SHA256')));
		const pub = parsePublicKey(readFileSync(key.pub));
		assert.equal(verifySignature(pub, signed.signature, signed.message), true);
		const list = parseSha256List(signed.message.toString());
		assert.deepEqual([...list.keys()], ['bsd.rd', 'miniroot80.img']);
		assert.equal(list.get('bsd.rd'), execFileSync('sha256sum', [join(dir, 'bsd.rd')], { encoding: 'utf8' }).split(' ')[0]);
		// One changed byte in the signed list.
		const tampered = Buffer.from(file);
		tampered[tampered.length - 3] ^= 0x01;
		const t = parseSignedMessage(tampered);
		assert.equal(verifySignature(pub, t.signature, t.message), false);
		// A key with another number never verifies, even before Ed25519 runs.
		const other = parsePublicKey(readFileSync(makeKey(dir, 'other').pub));
		assert.notEqual(other.keynum, signed.signature.keynum);
		assert.equal(verifySignature(other, signed.signature, signed.message), false);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

test('malformed key and signature files are refused with a reason', () => {
	const good = 'untrusted comment: openbsd 7.9 base public key\nRWTSdNN9A3yvWNn7mUjXwv9DOCOUnyfuV+mq1iGPIfD+NhN8EYnEQ1at\n';
	assert.equal(parsePublicKey(good).comment, 'openbsd 7.9 base public key');
	assert.throws(() => parsePublicKey(good.replace('untrusted comment: ', 'comment: ')), /untrusted comment/);
	assert.throws(() => parsePublicKey(good.replace('RWTS', 'RWTS!')), /base64/);
	assert.throws(() => parsePublicKey(good.trimEnd()), /newline/);
	assert.throws(() => parsePublicKey(good + 'more\n'), /after the key/);
	// "Ed" is the only algorithm signify has.
	const notEd = Buffer.from(good.split('\n')[1], 'base64');
	notEd[0] = 0x58;
	assert.throws(() => parsePublicKey(`untrusted comment: x\n${notEd.toString('base64')}\n`), /not an Ed25519/);
	// A public key where a signature belongs: wrong length.
	assert.throws(() => parseSignedMessage(good), /42 bytes where signify has 74/);
	assert.throws(() => parseSha256List('SHA256 (a) = zz\n'), /line 1/);
	assert.throws(() => parseSha256List(`SHA256 (../x) = ${'0'.repeat(64)}\n`), /line 1/);
	assert.throws(() => parseSha256List(`SHA256 (a) = ${'0'.repeat(64)}\nSHA256 (a) = ${'1'.repeat(64)}\n`), /twice/);
});

test('a release must be signed with its own key; a snapshot with a key newer than the newest shipped release', () => {
	const keys = shippedKeys();
	const k73 = keys.find((k) => k.name === 'openbsd-73-base.pub') as TrustedKey;
	const k79 = keys.find((k) => k.name === 'openbsd-79-base.pub') as TrustedKey;
	const sigBy = (k: TrustedKey, comment = `verify with ${k.name}`) => ({ keynum: k.key.keynum, sig: Buffer.alloc(64), comment });
	assert.equal(keyForSignature(sigBy(k79), '7.9', keys), k79);
	assert.equal(keyForSignature(sigBy(k73), '7.3', keys), k73);
	// An older release's signed list offered as 7.9's: the same names, older files.
	assert.throws(() => keyForSignature(sigBy(k73), '7.9', keys), /signed with openbsd-73-base\.pub, not openbsd-79-base\.pub/);
	assert.throws(() => keyForSignature(sigBy(k79), 'snapshots', keys), /newer than openbsd-79-base\.pub/);
	// The snapshot key is not known: say which one and where OpenBSD 7.9 keeps it.
	const unknown = { keynum: '0123456789abcdef', sig: Buffer.alloc(64), comment: 'verify with openbsd-80-base.pub' };
	assert.throws(
		() => keyForSignature(unknown, 'snapshots', keys),
		(err: Error) => err instanceof UserError && /needs openbsd-80-base\.pub/.test(err.message) && err.message.includes('an OpenBSD 7.9 system keeps it in /etc/signify/openbsd-80-base.pub') && !err.message.includes('\n'),
	);
	// Without a usable comment the next release's key is still named.
	assert.throws(() => keyForSignature({ ...unknown, comment: 'whatever' }, 'snapshots', keys), /needs openbsd-80-base\.pub/);
	// A --key key (no release) is the user's choice for any version.
	const user: TrustedKey = { name: 'mine.pub', key: { ...k79.key, keynum: '0123456789abcdef' }, source: '--key mine.pub' };
	assert.equal(keyForSignature(unknown, 'snapshots', [user, ...keys]), user);
});

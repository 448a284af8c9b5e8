// Python's `random.Random(seed).getrandbits(8)` byte stream (MT19937 seeded by
// init_by_array([seed]), as CPython does for a small non-negative int), so a test can
// rebuild the exact noise files of a bug report made with python3 without running it.
export function pythonRandomBytes(seed: number, n: number): Buffer {
	const N = 624;
	const mt = new Uint32Array(N);
	mt[0] = 19650218;
	for (let i = 1; i < N; i++) mt[i] = (Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i) >>> 0;
	// init_by_array with key = [seed]
	const key = [seed >>> 0];
	let i = 1;
	let j = 0;
	for (let k = Math.max(N, key.length); k; k--) {
		mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j) >>> 0;
		i++;
		j++;
		if (i >= N) {
			mt[0] = mt[N - 1];
			i = 1;
		}
		if (j >= key.length) j = 0;
	}
	for (let k = N - 1; k; k--) {
		mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0;
		i++;
		if (i >= N) {
			mt[0] = mt[N - 1];
			i = 1;
		}
	}
	mt[0] = 0x80000000;
	let idx = N;
	const next = (): number => {
		if (idx >= N) {
			for (let k = 0; k < N; k++) {
				const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
				mt[k] = mt[(k + 397) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
			}
			idx = 0;
		}
		let y = mt[idx++];
		y ^= y >>> 11;
		y ^= (y << 7) & 0x9d2c5680;
		y ^= (y << 15) & 0xefc60000;
		y ^= y >>> 18;
		return y >>> 0;
	};
	const out = Buffer.alloc(n);
	for (let k = 0; k < n; k++) out[k] = next() >>> 24;
	return out;
}

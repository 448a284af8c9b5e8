// Sizes as people read them: 512B, 3.2MiB, 16GiB (ls, the TUI's list).
export function fmtBytes(n: number): string {
	if (n < 1024) return `${n}B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let v = n / 1024;
	let i = 0;
	while (v >= 1024 && i < units.length - 1) {
		v /= 1024;
		i++;
	}
	return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

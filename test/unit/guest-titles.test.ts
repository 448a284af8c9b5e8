// Crash titles, one test per rule of shared/docs/openbsd-crash-titles.md (syzkaller's
// OpenBSD conventions). Inputs are written from each rule and from the kernel's format
// strings, not taken from a corpus; the five real syzkaller reports are in guest-fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestParser, scanBytes, type Crash } from '../../src/guest/index.ts';
import { normaliseTitle } from '../../src/guest/crash.ts';

/** The crashes of a log, checked to be the same whether scanned (lines skipped in bulk) or read live. */
function crashes(text: string): Crash[] {
	const s = scanBytes(Buffer.from(text)).crashes;
	const p = new GuestParser();
	for (const line of text.split(/(?<=\n)/)) p.push(Buffer.from(line), 0);
	p.end();
	assert.deepEqual(p.summary().crashes, s, 'scan and live agree');
	return s;
}
function one(text: string): Crash {
	const c = crashes(text);
	assert.equal(c.length, 1, 'one crash');
	return c[0];
}
const title = (text: string) => one(text).title;

const UVM = 'uvm_fault(0xffffffff82239270, 0x98, 0, 1) -> e\nkernel: page fault trap, code=0\n';
const frame = (f: string) => `${f}(ffff800020c2ab70,1) at ${f}+0x1c\n`;
const TRACE_END = 'end trace frame: 0x7f149f70c90, count: 10\n';

// Frames ("first meaningful frame")

test('frames: every function syzkaller skips is skipped, the next frame names the fault', () => {
	const skipped = ['panic', 'kerntrap', 'usertrap', 'alltraps_kern_meltdown', 'alltraps', 'savectx', 'db_enter', '__asan_load8', '__asan_store4_noabort', 'kasan_memcpy', 'kasan_memset'];
	const bytes = ['memcpy', 'memmove', 'memset', 'memcmp', 'bcmp', 'bcopy', 'bzero', 'kcopy', 'strcmp', 'strncmp', 'strlcpy', 'strlcat', 'strlen', 'strnlen', 'strncpy', 'copyin', 'copyinstr', 'copyout', 'copyoutstr'];
	for (const f of [...skipped, ...bytes]) {
		const c = one(UVM + frame(f) + frame('rt_ifa_del') + frame('sys_ioctl') + TRACE_END);
		assert.equal(c.title, 'uvm_fault: rt_ifa_del', f);
		assert.equal(c.corrupted, false);
	}
	// All of them in one trace, in the order a real one has them.
	assert.equal(title(UVM + 'Starting stack trace...\n' + [...skipped, ...bytes].map(frame).join('') + frame('in6_ifdetach') + TRACE_END), 'uvm_fault: in6_ifdetach');
});

test('frames: a frame that names no symbol (a jump through a bad pointer) is skipped for the one below it', () => {
	const text = UVM + 'Starting stack trace...\n' + frame('panic') + 'fffffd802ea85278(ffff800020c2ab70,1) at 0xfffffd802ea85278\n' + frame('pfr_commit_ktable') + TRACE_END;
	const c = one(text);
	assert.equal(c.title, 'uvm_fault: pfr_commit_ktable');
	assert.deepEqual(c.frames, ['panic', 'fffffd802ea85278', 'pfr_commit_ktable']);
	// Only the address, with no name in front of it: the same.
	assert.equal(title(UVM + 'ffffffff81234567() at 0xffffffff81234567\n' + frame('vfs_lookup') + TRACE_END), 'uvm_fault: vfs_lookup');
});

test('frames: the first frame-shaped line after the header, after a process table; a fault line is no frame', () => {
	const text =
		UVM +
		'Stopped at      savectx+0xae:   movl    $0,%gs:0x688\n' +
		'    TID    PID    UID     PRFLAGS     PFLAGS  CPU  COMMAND\n' +
		'*433514  11164      0           0          0    1  syz-executor\n' +
		// ddb's `show panic` on some kernels repeats the fault line: it has no ` at `.
		'uvm_fault(0xffffffff82239270, 0xffff800003fd2002, 0, 1) -> e\n' +
		frame('savectx') +
		frame('tcp_output') +
		TRACE_END;
	assert.equal(title(text), 'uvm_fault: tcp_output');
});

test('frames: trap plumbing syzkaller does not skip names its title; ours skips it and says so in altTitles', () => {
	// An arm64 kernel data abort: the exception path is kdata_abort <- do_el1h_sync <- handle_el1h_sync.
	const text = UVM + 'kdata_abort() at kdata_abort+0x148\ndo_el1h_sync() at do_el1h_sync+0x90\nhandle_el1h_sync() at handle_el1h_sync+0x6c\n--- trap ---\nvio_rxeof() at vio_rxeof+0x2c\n' + TRACE_END;
	const c = one(text);
	assert.equal(c.title, 'uvm_fault: kdata_abort');
	assert.deepEqual(c.altTitles, ['uvm_fault: vio_rxeof']);
	assert.equal(c.type, 'uvm_fault');
});

// Header `panic:`

test('panic rule 1: KASAN names the frame after the sanitizer frames', () => {
	const head = 'panic: kasan_report: Caught invalid memory access 0xffff800012345678, size 8, write\nStopped at      db_enter+0x10:  popq    %rbp\n';
	const trace = (helpers: string[]) => frame('db_enter') + frame('panic') + frame('kasan_report') + helpers.map(frame).join('') + frame('pfkeyv2_send') + frame('sosend') + TRACE_END;
	for (const helpers of [['__asan_load8_noabort'], ['__asan_store4_noabort'], ['kasan_memcpy', 'memcpy'], ['kasan_memmove'], ['kasan_memset'], ['kasan_memcmp'], ['bcopy']]) {
		assert.equal(title(head + trace(helpers)), 'KASAN: invalid memory access in pfkeyv2_send', helpers.join());
	}
	// Without a sanitizer frame the rule does not apply: the panic line is the title.
	assert.equal(title(head + frame('db_enter') + frame('panic') + frame('pfkeyv2_send') + TRACE_END), 'panic: kasan_report: Caught invalid memory access ADDR, size NUM, write');
});

test('panic rule 1: KASAN from ddb show panic when the console line was garbled by another CPU', () => {
	const text =
		'panic: kasan_repuvm_fault(0xffffffff82239270, 0x0, 0, 1) -> e\n' +
		'Stopped at      db_enter+0x10:  popq    %rbp\n' +
		'ddb{1}> show panic\n' +
		'*cpu1: kasan_report: Caught invalid memory access 0xffff800012345678, size 8, read\n' +
		'ddb{1}> trace\n' +
		frame('db_enter') +
		frame('panic') +
		frame('kasan_report') +
		frame('__asan_load8_noabort') +
		frame('in_pcbconnect') +
		TRACE_END +
		'ddb{1}> ';
	const c = one(text);
	assert.equal(c.title, 'KASAN: invalid memory access in in_pcbconnect');
	assert.equal(c.corrupted, false);
	assert.equal(c.message, 'kasan_report: Caught invalid memory access 0xffff800012345678, size 8, read');
});

test('panic rule 2: ddb show panic (*cpuN:) then trace gives the clean title of a garbled first line', () => {
	const garbled = 'panic: rtable_l2: bad uvm_fault(0xfffffd806e935890, 0x0, 0, 1) -> e\n';
	const ddb = 'ddb{0}> show panic\n cpu1: uvm_fault(0xfffffd806e935890, 0x0, 0, 1) -> e\n*cpu0: rtable_l2: bad table 3 for rdomain 7\nddb{0}> trace\n' + frame('db_enter') + TRACE_END + 'ddb{0}> ';
	const c = one(garbled + ddb);
	assert.equal(c.title, 'panic: rtable_l2: bad table NUM for rdomain NUM');
	assert.equal(c.corrupted, false);
	assert.equal(c.message, 'rtable_l2: bad table 3 for rdomain 7');
	// Interleaved character by character: the clean copy's characters appear in order in the line.
	const mixed = 'panic: pool_do_gekernelt: mcl2k free li: st modified\n';
	const c2 = one(mixed + 'ddb{0}> show panic\n*cpu0: pool_do_get: mcl2k free list modified\nddb{0}> trace\n' + frame('db_enter') + TRACE_END);
	assert.equal(c2.title, 'pool: free list modified: mcl2k');
	assert.equal(c2.corrupted, false);
});

test('panic rule 2 only decides when the first line is garbled: a template on the panic line matches earlier', () => {
	const text =
		'panic: kernel diagnostic assertion "p->p_flag & 1" failed: file "/usr/src/sys/kern/kern_sig.c", line 1234\n' +
		'ddb{0}> show panic\n*cpu0: kernel diagnostic assertion "p->p_flag & 1" failed: file "/usr/src/sys/kern/kern_sig.c", line 1234\nddb{0}> trace\n' +
		frame('db_enter') +
		TRACE_END;
	assert.equal(title(text), 'assert "p->p_flag & 1" failed in kern_sig.c');
});

test('interleaving: a garbled panic line without a clean copy is corrupted, and what precedes the intrusion is read', () => {
	const c = one('panic: pool_do_put: mbufpl: double pool_putuvm_fault(0xffffffff82239270, 0x0, 0, 1) -> e\nStopped at      db_enter+0x10:  popq    %rbp\n');
	assert.equal(c.title, 'pool: double put: mbufpl');
	assert.equal(c.corrupted, true);
	// A clean line is not corrupted.
	assert.equal(one('panic: pool_do_put: mbufpl: double pool_put: 0xffff800012345678\n').corrupted, false);
});

test('a fully garbled panic header opens no report by itself, but the fault text in it does', () => {
	// The other CPU's fault line is a header of its own; the title comes from the backtrace.
	const c = one('ppaanniicc::  uvm_fault(0xffffffff82239270, 0x0, 0, 1) -> e\n' + frame('panic') + frame('ip_output') + TRACE_END);
	assert.equal(c.title, 'uvm_fault: ip_output');
});

test('panic rule 3: kernel diagnostic assertion keeps its quoted expression, names the file', () => {
	assert.equal(title('panic: kernel diagnostic assertion "p != NULL" failed: file "/usr/src/sys/kern/kern_exit.c", line 42\n'), 'assert "p != NULL" failed in kern_exit.c');
	// Source text is not folded: a number in the expression stays (syzkaller's own report 8 keeps `== 1`).
	assert.equal(title('panic: kernel diagnostic assertion "m->m_len == 0" failed: file "uipc_mbuf.c", line 7\n'), 'assert "m->m_len == 0" failed in uipc_mbuf.c');
});

test('panic rule 4: malloc free list corruption names the type', () => {
	const c = one('panic: Data modified on freelist: word 5 of object 0xffff800000123450 size 0x40 previous type devbuf (0xd != 0xdeadbeef)\n');
	assert.equal(c.title, 'malloc: free list modified: devbuf');
	assert.equal(c.type, 'corruption');
});

test('panic rules 5-7: pool corruption names the pool', () => {
	assert.equal(title('panic: pool_cache_item_magic_check: mbufpl cpu free list modified: item addr 0xfffffd8061a3b300+16 0xdeadbeef!=0x1\n'), 'pool: cpu free list modified: mbufpl');
	assert.equal(title('panic: pool_do_put: rtentry: double pool_put: 0xfffffd806a1b2c00\n'), 'pool: double put: rtentry');
	assert.equal(title('panic: pool_do_get: mcl2k free list modified: page 0xffff800012340000; item addr 0xffff800012340800; offset 0x0=0xdeadbeef\n'), 'pool: free list modified: mcl2k');
	assert.equal(title('panic: pool_p_free: vnodes free list modified: page 0xffff800012340000; item addr 0xffff800012340800\n'), 'pool: free list modified: vnodes');
});

test('panic rules 8-10: fixed titles', () => {
	assert.equal(title('panic: timeout_add: to_ticks (-2147483648) < 0\n'), 'panic: timeout_add: to_ticks < 0');
	assert.equal(title('panic: attempt to execute user address 0x7f7ffffe1000 in supervisor mode\n'), 'panic: attempt to execute user address');
	assert.equal(title('panic: unhandled af 24\n'), 'panic: unhandled af');
});

test('panic rule 11: kqueue and knote panics keep the words after them', () => {
	assert.equal(title('panic: kqueue: bad state\n'), 'kqueue: bad state');
	// The rule takes the last `WORD rest` on the line (a greedy match), numbers folded.
	assert.equal(title('panic: knote_remove: unknown filter 12\n'), 'kqueue: filter NUM');
});

test('panic rule 12: soreceive by its tag, a bare number folded', () => {
	assert.equal(title('panic: receive 1: so 0xffff800012345678, so_type 3, sb_cc 0\n'), 'soreceive NUM');
	assert.equal(title('panic: receive 1a: so 0xffff800012345678, so_type 3, sb_cc 0\n'), 'soreceive 1a');
});

test('panic rule 13: cleaned vnode anywhere in the report', () => {
	assert.equal(title("panic: vclean: cleaned vnode isn't, address 0xffff800012345678\n"), "panic: cleaned vnode isn't");
	assert.equal(title('panic: vref used where vget required\ncleaned vnode: 0xfffffd806a1b2c00, type VREG, use 0, write 0, hold 0,\n'), "panic: cleaned vnode isn't");
});

test('panic, otherwise: the panic line itself', () => {
	assert.equal(title('panic: vmxnet3_getbuf: buffer has mbuf\n'), 'panic: vmxnet3_getbuf: buffer has mbuf');
	const c = one('panic: \n');
	assert.equal(c.title, 'panic');
	assert.equal(c.corrupted, true, 'an empty message names nothing');
});

// Normalisation

test('normalisation: ADDR, IP, LINE, func+off/size, CPU, NUM, long numbers, in that order', () => {
	assert.equal(normaliseTitle('panic: bad 0xffff80001234 ffff80001234 (deadbeef) x123456'), 'panic: bad ADDR ADDR (ADDR) x123456');
	// Five hex digits are no address; the 12345 after `x` is a number standing in a word.
	assert.equal(normaliseTitle('panic: 0x12345 is short'), 'panic: 0x12345 is short');
	assert.equal(normaliseTitle('panic: from 10.0.12.3 to 192.168.1.1'), 'panic: from IP to IP');
	assert.equal(normaliseTitle('panic: in if_ethersubr.c:1234 and x.h:5:6'), 'panic: in if_ethersubr.c:LINE and x.h:LINE');
	assert.equal(normaliseTitle('panic: at ip6_fragment+0x1052/0x2d80 now'), 'panic: at ip6_fragment now');
	assert.equal(normaliseTitle('panic: on CPU#3'), 'panic: on CPU');
	assert.equal(normaliseTitle('panic: cpus 0,1,2 of 4'), 'panic: cpus NUM,NUM,NUM of NUM');
	// Digits inside a name stay, unless there are seven or more.
	assert.equal(normaliseTitle('panic: ip6_input nl802154 foo1234567'), 'panic: ip6_input nl802154 fooNUM');
});

test('normalisation: tabs, control and non-ASCII characters, repeated spaces, trim, 120 characters', () => {
	assert.equal(normaliseTitle('panic:\tbad\x01  thing\x7f é  '), 'panic: bad thing');
	const long = 'panic: ' + 'klmnopqrst_'.repeat(20);
	const c = one(long + '\n');
	assert.equal(c.title.length, 120);
	assert.equal(c.title, long.slice(0, 120));
	assert.equal(c.message, long.slice(7), 'the message is kept whole');
});

// Header `lock order reversal:`

test('lock order reversal: named by the 1st and 2nd lock, or lock order data missing', () => {
	const c = one('witness: lock order reversal:\n 1st 0xffffffff82155e58 netlock (netlock) @ /usr/src/sys/net/if.c:1234\n 2nd 0xfffffd806a1b2c00 rtlock (&rt->rt_lock) @ route.c:55\n');
	assert.equal(c.title, 'witness: reversal: netlock rtlock');
	assert.equal(c.type, 'witness');
	assert.equal(c.suppressed, false);
	assert.equal(
		title('witness: lock order reversal:\n 1st 0xffffffff82155e58 netlock (netlock) @ if.c:1\n 2nd 0xfffffd806a1b2c00 rtlock (&rt->rt_lock) @ route.c:55\nlock order data netlock -> rtlock is missing\n'),
		'witness: reversal: lock order data missing',
	);
	const cut = one('witness: lock order reversal:\n');
	assert.equal(cut.title, 'witness: reversal');
	assert.equal(cut.corrupted, true);
});

// Header `witness:`

test('witness: thread exiting, userret by its syscall frame, else the line', () => {
	assert.equal(title('witness: thread 0xffff800020b39080 exiting with the following locks held:\nexclusive rwlock netlock r = 0 (0xffffffff82155e58)\n'), 'witness: thread exiting with locks held');
	const userret = 'witness: userret: returning with the following locks held:\nexclusive rwlock vmmaplk r = 0 (0xfffffd806e935890)\n#0  witness_lock+0x52e\n#1  _rw_enter+0xbf\n#2  uvm_map_protect+0x2e\n#3  sys_mprotect+0x12a\n#4  syscall+0x5a0\n';
	assert.equal(title(userret), 'witness: userret: mprotect');
	const noSys = one('witness: userret: returning with the following locks held:\nexclusive rwlock vmmaplk r = 0 (0xfffffd806e935890)\n');
	assert.equal(noSys.title, 'witness: userret');
	assert.equal(noSys.corrupted, true);
	assert.equal(title('witness: bad unlock 0xffff800012345678 of lock 3\n'), 'witness: bad unlock ADDR of lock NUM');
});

// Header `uvm_fault(`

test('uvm_fault fallbacks: Stopped at an address, Stopped at a function, nothing', () => {
	const head = 'uvm_fault(0xffffffff82239270, 0xfffffd802ea85000, 0, 4) -> e\n';
	const noSym = one(head + 'Stopped at      0xfffffd802ea85278:  ??\n');
	assert.equal(noSym.title, 'uvm_fault');
	assert.equal(noSym.corrupted, false);
	assert.equal(title(head + 'Stopped at      pf_test+0x2e1:  movq    (%rax),%rcx\n'), 'uvm_fault: pf_test');
	// syzkaller takes Stopped at as it is, even ddb's own savectx; ours would not.
	const sc = one(head + 'Stopped at      savectx+0xae:   movl    $0,%gs:0x688\n');
	assert.equal(sc.title, 'uvm_fault: savectx');
	assert.deepEqual(sc.altTitles, []);
	const none = one(head);
	assert.equal(none.title, 'uvm_fault');
	assert.equal(none.corrupted, true);
});

// Header `kernel:`

test('kernel: page and protection fault traps, by frame or Stopped at; reorder_kernel is no crash', () => {
	assert.equal(title('kernel: page fault trap, code=0\n' + frame('db_enter') + frame('rtable_satoplen') + TRACE_END), 'uvm_fault: rtable_satoplen');
	assert.equal(title('kernel: protection fault trap, code=0\n' + frame('kerntrap') + frame('pf_state_key_attach') + TRACE_END), 'protection_fault: pf_state_key_attach');
	assert.equal(title('kernel: page fault trap, code=0\nStopped at      rtable_satoplen+0x150:  movzbl  0xffffffffffffffff(%r13),%r12d\n'), 'uvm_fault: rtable_satoplen');
	assert.equal(title('kernel: protection fault trap, code=0\nStopped at      m_copydata+0x4d:   movl    (%rax),%eax\n'), 'protection_fault: m_copydata');
	assert.deepEqual(crashes('reorder_kernel: kernel: page fault trap relinking failed\n'), []);
});

// Which header

test('the first header wins; within a line syzkaller prefers panic, then lock order reversal, then witness', () => {
	// The fault line comes first: the later panic line does not decide the title.
	assert.equal(title(UVM + 'panic: trap type 6, code=0, pc=ffffffff824bd3d8\n' + frame('panic') + frame('dovutimens') + TRACE_END), 'uvm_fault: dovutimens');
	assert.equal(title('witness: lock order reversal:\n 1st 0xffffffff82155e58 a (a) @ x.c:1\n 2nd 0xffffffff82155e60 b (b) @ x.c:2\n'), 'witness: reversal: a b');
});

// Alternate titles

test('arm64 uvm_fault failed: syzkaller keeps the panic line, ours names the frame', () => {
	const c = one(
		'panic: uvm_fault failed: ffffff800036c2f4 esr 96000004 far 8\nStopped at      panic+0x160:    cmp     w21, #0x0\n' +
			'panic() at panic+0x160\nkdata_abort() at kdata_abort+0x148\ndo_el1h_sync() at do_el1h_sync+0x90\nhandle_el1h_sync() at handle_el1h_sync+0x6c\n--- trap ---\nviogpu_send_cmd() at viogpu_send_cmd+0x44\n',
	);
	assert.equal(c.title, 'panic: uvm_fault failed: ADDR esr ADDR far NUM');
	assert.deepEqual(c.altTitles, ['uvm_fault: viogpu_send_cmd']);
	assert.equal(c.type, 'uvm_fault');
	assert.equal(c.corrupted, false);
	// A plain panic: nothing to add.
	assert.deepEqual(one('panic: vmxnet3_getbuf: buffer has mbuf\n').altTitles, []);
});

// Suppressed

test('suppressed: vop_generic_badop, send disconnect: Broken pipe, reversals involving an inode lock', () => {
	assert.equal(one('panic: vop_generic_badop\n').suppressed, true);
	assert.equal(one('panic: nfs_request: send disconnect: Broken pipe\n').suppressed, true);
	assert.equal(one('witness: lock order reversal:\n 1st 0xfffffd806e935890 vmmaplk (&map->lock) @ uvm_fault.c:1442\n 2nd 0xfffffd806e099f88 inode (&ip->i_lock) @ ufs_vnops.c:1547\n').suppressed, true);
	assert.equal(one('panic: vmxnet3_getbuf: buffer has mbuf\n').suppressed, false);
});

test('interleaving: a panic line garbled beyond recognition; ddb show panic opens the report with the clean message', () => {
	const text =
		'ppaanniicc::  kkeerrnneell  ddiiaaggnnoossttiicc\n' +
		'Stopped at      db_enter+0x10:  popq    %rbp\n' +
		'ddb{0}> show panic\n' +
		' cpu1: kernel diagnostic assertion "x" failed: file "b.c", line 9\n' +
		'*cpu0: kernel diagnostic assertion "sc->sc_ref > 0" failed: file "/usr/src/sys/dev/pv/viogpu.c", line 310\n' +
		'ddb{0}> trace\n' +
		frame('db_enter') +
		TRACE_END +
		'ddb{0}> ';
	const c = one(text);
	assert.equal(c.title, 'assert "sc->sc_ref > 0" failed in viogpu.c');
	assert.equal(c.line, 5);
	assert.equal(c.ddb, true);
	assert.equal(c.corrupted, false);
	// A kernel that did not panic (ddb entered by hand) has no report.
	assert.deepEqual(crashes('ddb{0}> show panic\nthe kernel did not panic\nddb{0}> '), []);
	// A uniprocessor kernel prints the message alone.
	assert.equal(title('pan\nddb> show panic\npool_do_get: mcl2k free list modified\nddb> '), 'pool: free list modified: mcl2k');
});

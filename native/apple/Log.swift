// The boot log and its index (native/qemu/log.c). Every console byte is appended to the
// log before anyone else sees it: the log is the truth, the daemon a copy.

import Foundation

final class BootLog {
	let logPath: String
	let idxPath: String
	private let logFd: Int32
	private let idxFd: Int32
	/// The log's size: the offset of the next console byte that is logged.
	private(set) var offset: Int64
	/// Console bytes so far, logged or not: the offsets of O frames.
	private var streamOffset: Int64
	/// `-L`: the log's cap in bytes, 0 if none. Past it the console goes on, unlogged.
	let cap: Int64
	private(set) var full = false
	private var lastT: Int64 = 0
	/// Called with each chunk once it is in the log.
	var onOutput: ((Int64, UnsafeRawBufferPointer) -> Void)?
	/// Called with each event once it is in the index.
	var onEvent: ((String) -> Void)?

	init(vmdir: String, boot: Int, cap: Int64) throws {
		let n = String(format: "%03ld", boot)
		let lp = "\(vmdir)/boot.\(n).log"
		let ip = "\(vmdir)/boot.\(n).idx"
		let lfd = open(lp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
		if lfd == -1 { throw HelperError("\(lp): \(errnoText())") }
		let ifd = open(ip, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
		if ifd == -1 { throw HelperError("\(ip): \(errnoText())") }
		// A restarted helper continues the same boot at its end.
		var st = stat()
		if fstat(lfd, &st) == -1 { throw HelperError("\(lp): \(errnoText())") }
		logPath = lp
		idxPath = ip
		logFd = lfd
		idxFd = ifd
		offset = Int64(st.st_size)
		streamOffset = offset
		self.cap = cap
	}

	/// One whole line per write(2), so a reader never sees half a record.
	private func record(_ kind: Character, _ ms: Int64, _ text: [UInt8]?) {
		var line = Array("\(kind) \(offset) \(ms)".utf8)
		if let text = text {
			line.append(0x20)
			line.append(contentsOf: text)
		}
		line.append(0x0a)
		let ok = line.withUnsafeBytes { writeAll(idxFd, $0) }
		if !ok { warn("\(idxPath): \(errnoText())") }
	}

	/// A flooding guest must not fill the host's disk: past the cap the log stops, and
	/// the daemon still gets every byte, with offsets that count on as if it were logged.
	func output(_ p: UnsafeRawBufferPointer) {
		if p.count == 0 { return }
		if !full {
			var fit = p.count
			if cap > 0 && offset + Int64(p.count) > cap { fit = offset < cap ? Int(cap - offset) : 0 }
			let now = nowMs()
			if fit > 0 && now - lastT >= tstampMs {
				record("t", now, nil)
				lastT = now
			}
			// Never forward a byte that could not be logged (past the cap none is).
			if fit > 0 && !writeAll(logFd, UnsafeRawBufferPointer(rebasing: p[0..<fit])) {
				fatal("\(logPath): \(errnoText())")
			}
			offset += Int64(fit)
			if fit < p.count { markFull() }
		}
		let off = streamOffset
		streamOffset += Int64(p.count)
		onOutput?(off, p)
	}

	/// Once per helper: the daemon learns that the log no longer has it all.
	func markFull() {
		full = true
		event(["event": "log_full", "max": cap])
	}

	func audit(_ text: ArraySlice<UInt8>) {
		// One record is one line.
		record("a", nowMs(), text.map { (c: UInt8) -> UInt8 in c == 0x0d || c == 0x0a || c == 0 ? 0x20 : c })
	}

	/// A helper event: recorded in the index, then sent to the daemon if any.
	func event(_ obj: [String: Any]) {
		let s = json(obj)
		record("e", nowMs(), Array(s.utf8))
		onEvent?(s)
	}
}

// The daemon connection (native/qemu/conn.c): one at a time, frames both ways
// (u32 big-endian payload length | u8 type | payload). The helper never waits for the
// daemon: output beyond outqMax is dropped from the queue (it is in the log), and a
// daemon that misbehaves is disconnected.

import Darwin
import Foundation

private let daemonTypes: Set<UInt8> = Set("IBAKC".utf8)

func frame(_ type: Character, _ head: [UInt8], _ payload: UnsafeRawBufferPointer) -> [UInt8] {
	let n = UInt32(head.count + payload.count)
	var f: [UInt8] = [UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff), type.asciiValue!]
	f.reserveCapacity(5 + Int(n))
	f.append(contentsOf: head)
	f.append(contentsOf: payload)
	return f
}

final class Daemon {
	private let listenFd: Int32
	private var listener: DispatchSourceRead?
	private var conn: Connection?
	/// The hello fields (also the reply to C {"cmd":"status"}).
	var status: () -> [String: Any] = { [:] }
	/// A daemon frame; false if it is malformed.
	var handle: (UInt8, ArraySlice<UInt8>) -> Bool = { _, _ in false }
	/// Whether the console takes more input (its queue is under inqMax).
	var canRead: () -> Bool = { true }
	/// After the hello to a new daemon: events it must have even if it missed them (vnc).
	var onConnect: () -> Void = {}

	init(listenFd: Int32) {
		self.listenFd = listenFd
	}

	/// Only once the console is up: a connection always finds a working helper.
	func listen() throws {
		if Darwin.listen(listenFd, 8) == -1 { throw HelperError("listen: \(errnoText())") }
		let s = DispatchSource.makeReadSource(fileDescriptor: listenFd, queue: .main)
		s.setEventHandler { [weak self] in self?.accept() }
		s.resume()
		listener = s
	}

	/// Stop taking connections (the exiting helper gives up helper.sock first, so the
	/// next helper for this VM can start while this one still flushes).
	func stopListening() {
		if let s = listener {
			listener = nil
			s.setCancelHandler { [listenFd] in _ = Darwin.close(listenFd) }
			s.cancel()
		} else {
			_ = Darwin.close(listenFd)
		}
	}

	private func accept() {
		let fd = sock_accept(listenFd)
		if fd == -1 {
			if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED { warn("accept: \(errnoText())") }
			return
		}
		// The newest daemon wins: a restarted daemon can always re-adopt.
		conn?.close()
		let c = Connection(fd: fd, daemon: self)
		conn = c
		c.send("H", json(status()))
		onConnect()
	}

	fileprivate func closed(_ c: Connection) {
		if conn === c { conn = nil }
	}

	func output(_ offset: Int64, _ p: UnsafeRawBufferPointer) {
		conn?.output(offset, p)
	}

	/// Events are never dropped: they are few and the daemon needs them.
	func event(_ json: String) {
		conn?.send("E", json)
	}

	func resumeReading() {
		conn?.resumeReading()
	}

	/// At the end: give the daemon up to ms to take what is queued, then hang up.
	func flushThenClose(within ms: Int, _ done: @escaping () -> Void) {
		var called = false
		let once: () -> Void = {
			if called { return }
			called = true
			done()
		}
		guard let c = conn, c.queued > 0 else {
			conn?.close()
			once()
			return
		}
		c.onFlushed = {
			c.close()
			once()
		}
		DispatchQueue.main.asyncAfter(deadline: .now() + .milliseconds(ms)) {
			c.close()
			once()
		}
	}
}

private final class Connection {
	let fd: Int32
	private unowned let daemon: Daemon
	private var reader: DispatchSourceRead!
	private var writer: DispatchSourceWrite?
	private var readerSuspended = false
	private var closedNow = false
	/// Sources not yet cancelled: the fd is closed after the last one (Dispatch's rule).
	private var sources = 0
	private var queue: [[UInt8]] = []
	private var sent = 0		// bytes of queue[0] already written
	private(set) var queued = 0
	private var inbuf: [UInt8] = []
	private var chunk = [UInt8](repeating: 0, count: readChunk)
	var onFlushed: (() -> Void)?

	init(fd: Int32, daemon: Daemon) {
		self.fd = fd
		self.daemon = daemon
		let r = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .main)
		r.setEventHandler { [weak self] in self?.readable() }
		// Strong: the connection (and its fd) lives until its sources are gone.
		r.setCancelHandler { self.retire() }
		sources += 1
		reader = r
		r.resume()
	}

	private func retire() {
		sources -= 1
		if sources == 0 { Darwin.close(fd) }
	}

	func close() {
		if closedNow { return }
		closedNow = true
		writer?.cancel()
		writer = nil
		// A suspended source never runs its cancel handler.
		if readerSuspended {
			readerSuspended = false
			reader.resume()
		}
		reader.cancel()
		queue = []
		queued = 0
		inbuf = []
		daemon.closed(self)
		let f = onFlushed
		onFlushed = nil
		f?()
	}

	private func enqueue(_ f: [UInt8]) {
		queue.append(f)
		queued += f.count
		flush()
	}

	func send(_ type: Character, _ json: String) {
		let bytes = Array(json.utf8)
		enqueue(bytes.withUnsafeBytes { frame(type, [], $0) })
	}

	func output(_ offset: Int64, _ p: UnsafeRawBufferPointer) {
		// The daemon sees the gap in the next offset and reads the log.
		if queued + 13 + p.count > outqMax { return }
		let o = UInt64(offset)
		let head = (0..<8).map { UInt8(o >> (56 - 8 * UInt64($0)) & 0xff) }
		enqueue(frame("O", head, p))
	}

	private func flush() {
		while !closedNow && !queue.isEmpty {
			let w = queue[0].withUnsafeBytes { write(fd, $0.baseAddress! + sent, $0.count - sent) }
			if w == -1 {
				if errno == EINTR { continue }
				if errno == EAGAIN {
					waitWritable()
					return
				}
				close()
				return
			}
			sent += w
			if sent == queue[0].count {
				queued -= queue[0].count
				queue.removeFirst()
				sent = 0
			}
		}
		if queue.isEmpty && !closedNow {
			writer?.cancel()
			writer = nil
			let f = onFlushed
			onFlushed = nil
			f?()
		}
	}

	private func waitWritable() {
		if writer != nil { return }
		let w = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: .main)
		w.setEventHandler { [weak self] in self?.flush() }
		w.setCancelHandler { self.retire() }
		sources += 1
		writer = w
		w.resume()
	}

	func resumeReading() {
		if readerSuspended && !closedNow && daemon.canRead() {
			readerSuspended = false
			reader.resume()
		}
	}

	private func readable() {
		let r = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
		if r == -1 {
			if errno != EINTR && errno != EAGAIN { close() }
			return
		}
		if r == 0 {
			close()
			return
		}
		inbuf.append(contentsOf: chunk[0..<r])
		var at = 0
		while !closedNow && inbuf.count - at >= 5 {
			let len = Int(inbuf[at]) << 24 | Int(inbuf[at + 1]) << 16 | Int(inbuf[at + 2]) << 8 | Int(inbuf[at + 3])
			let type = inbuf[at + 4]
			if len > frameMax || !daemonTypes.contains(type) {
				warn("malformed frame from the daemon: dropping it")
				close()
				return
			}
			if inbuf.count - at < 5 + len { break }
			if !daemon.handle(type, inbuf[(at + 5)..<(at + 5 + len)]) {
				warn("malformed '\(Character(Unicode.Scalar(type)))' frame from the daemon: dropping it")
				close()
				return
			}
			at += 5 + len
		}
		if closedNow { return }
		inbuf.removeFirst(at)
		// Input waiting for the console is bounded: stop reading until it drains.
		if !daemon.canRead() && !readerSuspended {
			readerSuspended = true
			reader.suspend()
		}
	}
}

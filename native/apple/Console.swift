// The console source: the host end of a socketpair whose other end is the guest's virtio
// console (VZFileHandleSerialPortAttachment). Read into the log as soon as the helper
// starts, so nothing the guest prints waits for, or is lost without, a daemon.

import Darwin
import Foundation

final class Console {
	private let fd: Int32		// ours, non-blocking
	private let vmFd: Int32		// the VM's end
	/// Both directions of the VM's end (VZ names them from the guest's side).
	let vmHandle: FileHandle
	private let log: BootLog
	private var reader: DispatchSourceRead?
	private var writer: DispatchSourceWrite?
	private var out: [UInt8] = []
	private var chunk = [UInt8](repeating: 0, count: readChunk)
	private(set) var eof = false
	var onEOF: (() -> Void)?
	/// The input queue went under inqMax: the daemon may send more.
	var onDrained: (() -> Void)?

	var pending: Int { out.count }

	init(log: BootLog) throws {
		var fds: [Int32] = [-1, -1]
		if console_pair(&fds) == -1 { throw HelperError("console socketpair: \(errnoText())") }
		fd = fds[0]
		vmFd = fds[1]
		vmHandle = FileHandle(fileDescriptor: fds[1], closeOnDealloc: false)
		self.log = log
		let r = DispatchSource.makeReadSource(fileDescriptor: fd, queue: .main)
		r.setEventHandler { [weak self] in self?.readable() }
		reader = r
		r.resume()
	}

	private func readable() {
		let r = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
		if r == -1 {
			if errno == EINTR || errno == EAGAIN { return }
			warn("console read: \(errnoText())")
		}
		if r <= 0 {
			reachedEOF()
			return
		}
		chunk.withUnsafeBytes { log.output(UnsafeRawBufferPointer(rebasing: $0[0..<r])) }
	}

	private func reachedEOF() {
		if eof { return }
		eof = true
		reader?.cancel()
		reader = nil
		writer?.cancel()
		writer = nil
		out = []
		onEOF?()
	}

	func input(_ p: ArraySlice<UInt8>) {
		if eof { return }
		out.append(contentsOf: p)
		flush()
	}

	private func flush() {
		while !out.isEmpty && !eof {
			let w = out.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
			if w == -1 {
				if errno == EINTR { continue }
				if errno == EAGAIN {
					waitWritable()
					return
				}
				// The console is going away; its EOF will follow.
				out = []
				break
			}
			out.removeFirst(w)
		}
		if out.isEmpty {
			writer?.cancel()
			writer = nil
		}
		if out.count < inqMax { onDrained?() }
	}

	private func waitWritable() {
		if writer != nil { return }
		let w = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: .main)
		w.setEventHandler { [weak self] in self?.flush() }
		writer = w
		w.resume()
	}

	/// The VM stopped: it no longer needs its end, and closing ours ends the drain early.
	func releaseVMEnd() {
		Darwin.close(vmFd)
	}

	/// At exit: stop reading and writing (the process ends; the kernel closes the fd).
	func stop() {
		reader?.cancel()
		reader = nil
		writer?.cancel()
		writer = nil
		out = []
	}
}

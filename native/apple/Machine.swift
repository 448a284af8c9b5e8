// The virtual machine: VMDIR/spec.json (validated by src/common/spec.ts and
// src/helper/apple.ts) made into a VZVirtualMachineConfiguration, and its life cycle.
// Only APIs of macOS 13 or older, as documented by Apple; see README.md for what has
// not been checked on a Mac yet.

import Foundation
import Virtualization

/// The fields of the spec this helper uses; the rest are QEMU's.
struct Spec: Decodable {
	struct Disk: Decodable {
		let path: String
		let format: String
		let readonly: Bool
	}
	struct Net: Decodable {
		let mode: String
		let mtu: Int?
		let mac: String
	}
	struct Gpu: Decodable {
		let width: Int
		let height: Int
	}
	let name: String
	let backend: String
	let kernel: String?
	let initrd: String?
	let append: String?
	let disks: [Disk]
	let cpus: Int
	let mem: Int
	let net: Net
	let gpu: Gpu?

	static func load(_ path: String) throws -> Spec {
		let spec: Spec
		do {
			spec = try JSONDecoder().decode(Spec.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
		} catch {
			throw HelperError("\(path): not a VM spec: \(error.localizedDescription)")
		}
		if spec.backend != "apple" { throw HelperError("\(path): VM \(spec.name) uses the \(spec.backend) backend, not apple") }
		return spec
	}
}

/// What the configuration needs from the rest of the helper.
struct Attachments {
	let vmdir: String
	let console: FileHandle
	/// The VM's end of an observe network: a connected SOCK_DGRAM socket.
	let net: FileHandle?
}

func configuration(_ spec: Spec, _ at: Attachments) throws -> VZVirtualMachineConfiguration {
	let c = VZVirtualMachineConfiguration()
	// The EFI and Linux boot loaders both need the generic platform.
	c.platform = VZGenericPlatformConfiguration()
	c.cpuCount = spec.cpus
	c.memorySize = UInt64(spec.mem) * 1024 * 1024
	c.bootLoader = try bootLoader(spec, at.vmdir)

	c.storageDevices = try spec.disks.map { d -> VZStorageDeviceConfiguration in
		// VZDiskImageStorageDeviceAttachment reads raw images only.
		if d.format != "raw" { throw HelperError("disk \(d.path): the apple backend takes raw disk images only") }
		let a = try VZDiskImageStorageDeviceAttachment(url: URL(fileURLWithPath: d.path), readOnly: d.readonly)
		return VZVirtioBlockDeviceConfiguration(attachment: a)
	}

	// One port per device: OpenBSD's viocon(4) attaches port 0 only.
	let port = VZVirtioConsoleDeviceSerialPortConfiguration()
	port.attachment = VZFileHandleSerialPortAttachment(fileHandleForReading: at.console, fileHandleForWriting: at.console)
	c.serialPorts = [port]

	if spec.net.mode != "none" {
		let nic = VZVirtioNetworkDeviceConfiguration()
		guard let mac = VZMACAddress(string: spec.net.mac) else { throw HelperError("net mac \(spec.net.mac) is not a MAC address") }
		nic.macAddress = mac
		if spec.net.mode == "observe" {
			guard let fh = at.net else { throw HelperError("an observe network needs -n and -r") }
			let a = VZFileHandleNetworkDeviceAttachment(fileHandle: fh)
			// The only VZ attachment with an MTU; the guest sees it through VIRTIO_NET_F_MTU.
			if let mtu = spec.net.mtu { a.maximumTransmissionUnit = mtu }
			nic.attachment = a
		} else {
			// VZ NAT has no MTU setting; src/helper/apple.ts refuses one.
			nic.attachment = VZNATNetworkDeviceAttachment()
		}
		c.networkDevices = [nic]
	}

	if let g = spec.gpu {
		// viogpu(4) takes scanout 0's size and makes itself the console: under VZ the
		// kernel's messages go there, not to the virtio console.
		let gpu = VZVirtioGraphicsDeviceConfiguration()
		gpu.scanouts = [VZVirtioGraphicsScanoutConfiguration(widthInPixels: g.width, heightInPixels: g.height)]
		c.graphicsDevices = [gpu]
		// A keyboard for keys typed on the glass over VNC (ukbd(4) in OpenBSD).
		c.keyboards = [VZUSBKeyboardConfiguration()]
	}

	c.entropyDevices = [VZVirtioEntropyDeviceConfiguration()]
	c.memoryBalloonDevices = [VZVirtioTraditionalMemoryBalloonDeviceConfiguration()]

	// Also checks the com.apple.security.virtualization entitlement.
	do {
		try c.validate()
	} catch {
		throw HelperError("invalid VM configuration: \(error.localizedDescription)")
	}
	return c
}

private func bootLoader(_ spec: Spec, _ vmdir: String) throws -> VZBootLoader {
	if let kernel = spec.kernel {
		// Apple silicon wants an uncompressed arm64 Image; OpenBSD's bsd is not one.
		let b = VZLinuxBootLoader(kernelURL: URL(fileURLWithPath: kernel))
		if let initrd = spec.initrd { b.initialRamdiskURL = URL(fileURLWithPath: initrd) }
		if let append = spec.append { b.commandLine = append }
		return b
	}
	// The UEFI variables live with the VM, so boot entries survive restarts.
	let url = URL(fileURLWithPath: "\(vmdir)/efi-vars.fd")
	let b = VZEFIBootLoader()
	do {
		if FileManager.default.fileExists(atPath: url.path) {
			b.variableStore = VZEFIVariableStore(url: url)
		} else {
			b.variableStore = try VZEFIVariableStore(creatingVariableStoreAt: url, options: [])
		}
	} catch {
		throw HelperError("\(url.path): \(error.localizedDescription)")
	}
	return b
}

/// The running VM. Like QEMU for the C helper, it reports how it ended exactly once.
final class Machine: NSObject, VZVirtualMachineDelegate {
	let vm: VZVirtualMachine
	/// A `gpu` in the spec: the private VNC server is started for it (Vnc.swift).
	let hasGraphics: Bool
	private var stopRequested = false
	private var forcing = false
	private var ended = false
	/// status (0: the guest powered off), signal (what forced it: SIGTERM, SIGKILL), error.
	var onEnd: ((Int?, String?, String?) -> Void)?
	/// Something the daemon should know that does not end the VM.
	var onError: ((String) -> Void)?

	init(_ c: VZVirtualMachineConfiguration) {
		// No queue: the VM, its callbacks and the helper's dispatch sources share the main queue.
		vm = VZVirtualMachine(configuration: c)
		hasGraphics = !c.graphicsDevices.isEmpty
		super.init()
		vm.delegate = self
	}

	func start(_ done: @escaping (Error?) -> Void) {
		vm.start { result in
			switch result {
			case .success:
				done(nil)
			case .failure(let e):
				done(e)
			}
		}
	}

	/// K TERM, or SIGTERM to the helper: ask the guest to power off, force it after stopMs.
	func terminate() {
		if ended || stopRequested || forcing { return }
		stopRequested = true
		guard vm.canRequestStop else {
			force("SIGTERM")
			return
		}
		do {
			try vm.requestStop()
		} catch {
			onError?("requestStop: \(error.localizedDescription)")
			force("SIGTERM")
			return
		}
		DispatchQueue.main.asyncAfter(deadline: .now() + .milliseconds(stopMs)) { [weak self] in
			self?.force("SIGTERM")
		}
	}

	/// K KILL, or a second SIGTERM: power off now.
	func kill() {
		force("SIGKILL")
	}

	private func force(_ signal: String) {
		if ended || forcing { return }
		forcing = true
		guard vm.canStop else {
			// Starting or already stopping: the VM lives in this process, so our exit ends it.
			end(nil, signal, nil)
			return
		}
		vm.stop { [weak self] error in
			self?.end(nil, signal, error.map { "stop: \($0.localizedDescription)" })
		}
	}

	private func end(_ status: Int?, _ signal: String?, _ error: String?) {
		if ended { return }
		ended = true
		onEnd?(status, signal, error)
	}

	func guestDidStop(_ virtualMachine: VZVirtualMachine) {
		end(0, nil, nil)
	}

	func virtualMachine(_ virtualMachine: VZVirtualMachine, didStopWithError error: Error) {
		end(nil, nil, "the VM stopped: \(error.localizedDescription)")
	}

	func virtualMachine(_ virtualMachine: VZVirtualMachine, networkDevice: VZNetworkDevice,
	    attachmentWasDisconnectedWithError error: Error) {
		onError?("network attachment disconnected: \(error.localizedDescription)")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/vmware/govmomi/simulator"
)

// Lab convention (lab/README.md): the first 4 KiB of a disk's -flat.vmdk are
// "VMDRLAB1\n" + one JSON line + zero padding. No header = DHCP, no address.
const (
	diskMagic      = "VMDRLAB1\n"
	diskHeaderSize = 4096
)

type nicIdentity struct {
	IP      string `json:"ip"`
	Prefix  int32  `json:"prefix"`
	Gateway string `json:"gateway,omitempty"`
}

type guestIdentity struct {
	Hostname string        `json:"hostname"`
	Nics     []nicIdentity `json:"nics"`
}

// readGuestIdentity reads the header of the VM's first disk through its chain
// (a snapshot's redo log or a linked clone reads its parents where it holds
// nothing). Call it with the VM lock held.
func readGuestIdentity(vm *simulator.VirtualMachine) *guestIdentity {
	chain, err := vmChain(vm)
	if err != nil {
		return nil
	}
	buf := chain.ReadAt(0, diskHeaderSize)
	if !bytes.HasPrefix(buf, []byte(diskMagic)) {
		return nil
	}
	line := buf[len(diskMagic):]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	id := new(guestIdentity)
	if json.Unmarshal(bytes.TrimRight(line, "\x00"), id) != nil {
		return nil
	}
	return id
}

// writeGuestIdentity rewrites only the header block, as a guest OS saving its
// network config would, into the head of the disk's chain: a linked clone's
// parent (a recovery point) is never written.
func writeGuestIdentity(vm *simulator.VirtualMachine, id *guestIdentity) error {
	line, err := json.Marshal(id)
	if err != nil {
		return err
	}
	content := append(append([]byte(diskMagic), line...), '\n')
	if len(content) > diskHeaderSize {
		return fmt.Errorf("guest identity does not fit in %d bytes", diskHeaderSize)
	}
	header := make([]byte, diskHeaderSize)
	copy(header, content)
	chain, err := vmChain(vm)
	if err != nil {
		return err
	}
	return chain.WriteAt(header, 0)
}

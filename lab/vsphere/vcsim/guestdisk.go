package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
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

// firstDiskFlatFile returns the host path of the first disk's -flat.vmdk.
func firstDiskFlatFile(vm *simulator.VirtualMachine) string {
	if vm.Config == nil {
		return ""
	}
	for _, dev := range vm.Config.Hardware.Device {
		disk, ok := dev.(*types.VirtualDisk)
		if !ok {
			continue
		}
		backing, ok := disk.Backing.(types.BaseVirtualDeviceFileBackingInfo)
		if !ok {
			return ""
		}
		info := backing.GetVirtualDeviceFileBackingInfo()
		if info.Datastore == nil {
			return ""
		}
		ds, ok := simulator.Map.Get(*info.Datastore).(*simulator.Datastore)
		if !ok {
			return ""
		}
		rel := info.FileName
		if i := strings.Index(rel, "] "); i >= 0 {
			rel = rel[i+2:]
		}
		if strings.HasSuffix(rel, ".vmdk") && !strings.HasSuffix(rel, "-flat.vmdk") {
			rel = strings.TrimSuffix(rel, ".vmdk") + "-flat.vmdk"
		}
		return filepath.Join(ds.Info.GetDatastoreInfo().Url, rel)
	}
	return ""
}

func readGuestIdentity(path string) *guestIdentity {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := make([]byte, diskHeaderSize)
	n, _ := f.Read(buf)
	buf = buf[:n]
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
// network config would; the rest of the disk is left alone.
func writeGuestIdentity(path string, id *guestIdentity) error {
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
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt(header, 0)
	return err
}

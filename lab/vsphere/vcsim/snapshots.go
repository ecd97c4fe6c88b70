package main

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// Point-in-time snapshots and linked clones for the lab (stock vcsim keeps
// writing into the "frozen" base and creates child disks as empty files).
//
//   - CreateSnapshot_Task: each disk of the VM gets a child (redo log) over
//     its current head; the VM's backing becomes the child (parent = the old
//     backing), the snapshot keeps the old backing. Later writes land in the
//     child, so reads of the snapshot's disk see the frozen state.
//   - RemoveSnapshot_Task: the child that snapshot created is merged into the
//     layer it froze, as ESXi consolidates.
//   - CreateVM_Task / ReconfigVM_Task with a disk whose backing has a parent:
//     the new disk is a child of that parent (a linked clone), created empty.
//
// diskMu serializes these with the lab writer (/vmdrlab/write), so every
// write is either in a snapshot or after it. It is always taken before any
// vcsim lock; the guest agent, which holds VM locks, never takes it.
var diskMu sync.Mutex

type snapshotLog struct {
	Name  string `json:"name"`
	Epoch int    `json:"epoch"` // writes with this epoch or lower are in the snapshot
	Open  bool   `json:"open"`  // not removed yet
	// writes made while the snapshot existed (they must not be in it)
	WritesWhileOpen int `json:"writes_while_open"`
}

type vmDisks struct {
	epoch     int
	snapshots []snapshotLog
	index     map[types.ManagedObjectReference]int // snapshot -> its entry in snapshots
}

var (
	labVMs        = map[types.ManagedObjectReference]*vmDisks{}
	snapshotHeads = map[types.ManagedObjectReference][]string{} // snapshot -> child descriptors it created
)

func labVM(ref types.ManagedObjectReference) *vmDisks {
	if labVMs[ref] == nil {
		labVMs[ref] = &vmDisks{index: map[types.ManagedObjectReference]int{}}
	}
	return labVMs[ref]
}

// hostPath is the file behind a datastore path, looked up in the datacenter of dcOf.
func hostPath(dcOf *types.ManagedObjectReference, dsPath string) (string, error) {
	var p struct{ ds, rel string }
	if i := strings.Index(dsPath, "]"); strings.HasPrefix(dsPath, "[") && i > 0 {
		p.ds, p.rel = dsPath[1:i], strings.TrimSpace(dsPath[i+1:])
	} else {
		return "", fmt.Errorf("not a datastore path: %q", dsPath)
	}
	dc := datacenterAbove(dcOf)
	for _, obj := range simulator.Map.All("Datastore") {
		ds, ok := obj.(*simulator.Datastore)
		if !ok || ds.Name != p.ds {
			continue
		}
		if other := datacenterAbove(ds.Parent); dc == nil || (other != nil && *other == *dc) {
			return path.Join(ds.Info.GetDatastoreInfo().Url, p.rel), nil
		}
	}
	return "", fmt.Errorf("no datastore %q", p.ds)
}

func flatBacking(dev types.BaseVirtualDevice) (*types.VirtualDisk, *types.VirtualDiskFlatVer2BackingInfo) {
	disk, ok := dev.(*types.VirtualDisk)
	if !ok {
		return nil, nil
	}
	b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if !ok {
		return nil, nil
	}
	return disk, b
}

// vmChain is the chain of the VM's first disk (what the guest boots from).
func vmChain(vm *simulator.VirtualMachine) (*layer, error) {
	if vm.Config == nil {
		return nil, fmt.Errorf("%s has no config", vm.Name)
	}
	for _, dev := range vm.Config.Hardware.Device {
		if _, b := flatBacking(dev); b != nil {
			file, err := hostPath(vm.Parent, b.FileName)
			if err != nil {
				return nil, err
			}
			return openChain(file)
		}
	}
	return nil, fmt.Errorf("%s has no disk", vm.Name)
}

// childName is the next free <base>-00000N.vmdk beside the head descriptor.
func childName(head string) string {
	base := strings.TrimSuffix(head, ".vmdk")
	if i := strings.LastIndex(base, "-0000"); i > 0 {
		base = base[:i]
	}
	for n := 1; ; n++ {
		name := fmt.Sprintf("%s-%06d.vmdk", base, n)
		if _, err := os.Stat(name); err != nil {
			return name
		}
	}
}

// addSnapshotChildren runs after vcsim created snapshot snap of vm.
func addSnapshotChildren(vm *simulator.VirtualMachine, snap types.ManagedObjectReference, name string) {
	simulator.Map.WithLock(vm, func() {
		devices := append([]types.BaseVirtualDevice(nil), vm.Config.Hardware.Device...)
		var children []string
		for i, dev := range devices {
			disk, b := flatBacking(dev)
			if b == nil {
				continue
			}
			head, err := hostPath(vm.Parent, b.FileName)
			if err != nil {
				log.Printf("snapshot %s of %s: %v", name, vm.Name, err)
				continue
			}
			child := childName(head)
			if err := createChild(child, head); err != nil {
				log.Printf("snapshot %s of %s: %v", name, vm.Name, err)
				continue
			}
			nb := *b
			nb.FileName = strings.TrimSuffix(b.FileName, filepath.Base(head)) + filepath.Base(child)
			nb.Parent = b
			nb.DeltaDiskFormat = "redoLogFormat"
			nd := *disk
			nd.Backing = &nb
			devices[i] = &nd
			children = append(children, child)
		}
		vm.Config.Hardware.Device = devices // a new list: the snapshot keeps the old devices
		snapshotHeads[snap] = children
		d := labVM(vm.Self)
		d.index[snap] = len(d.snapshots)
		d.snapshots = append(d.snapshots, snapshotLog{Name: name, Epoch: d.epoch, Open: true})
		d.epoch++
	})
}

// dropLayer returns the backing chain b without the layer whose file is childPath.
func dropLayer(vm *simulator.VirtualMachine, b *types.VirtualDiskFlatVer2BackingInfo, childPath string) *types.VirtualDiskFlatVer2BackingInfo {
	if b == nil {
		return nil
	}
	if file, _ := hostPath(vm.Parent, b.FileName); file == childPath {
		return b.Parent
	}
	nb := *b
	nb.Parent = dropLayer(vm, b.Parent, childPath)
	if b.Parent != nil && nb.Parent == b.Parent.Parent && nb.Parent != nil {
		// this layer's parent was merged away: it now builds on the merged layer
		file, _ := hostPath(vm.Parent, b.FileName)
		parent, _ := hostPath(vm.Parent, nb.Parent.FileName)
		if err := repointChild(file, parent); err != nil {
			log.Printf("repoint %s: %v", file, err)
		}
	}
	return &nb
}

// consolidateSnapshot runs after vcsim removed snapshot snap of vm.
func consolidateSnapshot(vm *simulator.VirtualMachine, snap types.ManagedObjectReference) {
	children := snapshotHeads[snap]
	delete(snapshotHeads, snap)
	if d := labVMs[vm.Self]; d != nil {
		if i, ok := d.index[snap]; ok {
			d.snapshots[i].Open = false
		}
	}
	simulator.Map.WithLock(vm, func() {
		for _, child := range children {
			l, err := openChain(child)
			if err == nil {
				err = consolidate(l)
			}
			if err != nil {
				log.Printf("consolidate %s: %v", child, err)
				continue
			}
			devices := append([]types.BaseVirtualDevice(nil), vm.Config.Hardware.Device...)
			for i, dev := range devices {
				disk, b := flatBacking(dev)
				if b == nil {
					continue
				}
				if nb := dropLayer(vm, b, child); nb != b {
					nd := *disk
					nd.Backing = nb
					devices[i] = &nd
				}
			}
			vm.Config.Hardware.Device = devices
		}
	})
}

// linkChildDisks turns the disks just created with a parent backing into
// children of that parent (vcsim made empty -flat files for them).
func linkChildDisks(vm *simulator.VirtualMachine) {
	simulator.Map.WithLock(vm, func() {
		for _, dev := range vm.Config.Hardware.Device {
			_, b := flatBacking(dev)
			if b == nil || b.Parent == nil {
				continue
			}
			file, err := hostPath(vm.Parent, b.FileName)
			if err != nil {
				continue
			}
			if l, err := openChain(file); err == nil && l.parent != nil {
				continue // a child already (a snapshot's redo log)
			}
			parent, err := hostPath(vm.Parent, b.Parent.FileName)
			if err == nil {
				err = createChild(file, parent)
			}
			if err != nil {
				log.Printf("linked clone disk %s of %s: %v", b.FileName, vm.Name, err)
				continue
			}
			_ = os.Remove(strings.TrimSuffix(file, ".vmdk") + "-flat.vmdk")
		}
	})
}

// bufferedResponse holds vcsim's answer until the lab has finished its part of the call.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }

func (b *bufferedResponse) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status != 0 {
		w.WriteHeader(b.status)
	}
	_, _ = w.Write(b.body.Bytes())
}

// serveDiskCall runs a SOAP call that changes disk chains, with the lab's part
// done before the client sees the answer. Returns false for other calls.
func serveDiskCall(next http.Handler, w http.ResponseWriter, r *http.Request, body []byte) bool {
	m, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil {
		return false
	}
	var after func()
	switch req := m.Body.(type) {
	case *types.CreateSnapshot_Task:
		vm, ok := simulator.Map.Get(req.This).(*simulator.VirtualMachine)
		if !ok {
			return false
		}
		before := currentSnapshot(vm)
		after = func() {
			if snap := currentSnapshot(vm); snap != nil && (before == nil || *snap != *before) {
				addSnapshotChildren(vm, *snap, req.Name)
			}
		}
	case *types.RemoveSnapshot_Task:
		snap, ok := simulator.Map.Get(req.This).(*simulator.VirtualMachineSnapshot)
		if !ok {
			return false
		}
		vm, ok := simulator.Map.Get(snap.Vm).(*simulator.VirtualMachine)
		if !ok {
			return false
		}
		ref := req.This
		after = func() {
			if simulator.Map.Get(ref) == nil {
				consolidateSnapshot(vm, ref)
			}
		}
	case *types.CreateVM_Task, *types.ReconfigVM_Task:
		if !bytes.Contains(body, []byte("parent")) {
			return false
		}
		after = func() { linkCreated(req) }
	default:
		return false
	}
	diskMu.Lock()
	defer diskMu.Unlock()
	buf := &bufferedResponse{header: http.Header{}}
	next.ServeHTTP(buf, r)
	after()
	buf.flush(w)
	return true
}

func currentSnapshot(vm *simulator.VirtualMachine) *types.ManagedObjectReference {
	var cur *types.ManagedObjectReference
	simulator.Map.WithLock(vm, func() {
		if vm.Snapshot != nil && vm.Snapshot.CurrentSnapshot != nil {
			c := *vm.Snapshot.CurrentSnapshot
			cur = &c
		}
	})
	return cur
}

// linkCreated finds the VM a CreateVM or ReconfigVM call made or changed.
func linkCreated(req interface{}) {
	switch r := req.(type) {
	case *types.ReconfigVM_Task:
		if vm, ok := simulator.Map.Get(r.This).(*simulator.VirtualMachine); ok {
			linkChildDisks(vm)
		}
	case *types.CreateVM_Task:
		for _, vm := range vmsNamed(r.Config.Name) {
			linkChildDisks(vm)
		}
	}
}

package main

import (
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// guestAgent emulates VMware Tools and a guest OS for every VM: vcsim never
// changes the tools status of VMs after creation. Network identity lives in
// the guest disk header (guestdisk.go).
//
// It is a registry handler as well as a poller: power changes and applied
// customizations are seen synchronously (a 200 ms poll alone misses an
// off/on pair or a customize-then-power-on), while all property writes happen
// on the agent goroutine (never inside a handler) under the VM lock.
//
// The agent only ever touches VMs it has adopted, never everything in the
// registry: vcsim's CreateVM registers the new VM first and fills it in
// afterwards (Guest, Config, devices, guest.net) holding only the folder
// lock, so the VM lock does not keep the agent out of a half-built VM. Reading
// one crashed the launcher (nil Guest), and publishing a stale copy of its
// guest.net erased NICs that vcsim appended meanwhile, so that VM later booted
// with tools running but no IP. A VM is adopted when it is complete:
//   - it exists when the agent starts;
//   - the task that created it (CreateVM, RegisterVM, Clone..) succeeded;
//   - it changes power state (only a complete VM can be powered on).
type guestAgent struct {
	boot time.Duration
	wake chan struct{}
	done chan struct{}

	// mu guards vms (the adopted VMs) and specs; never held across Map.Update.
	mu    sync.Mutex
	vms   map[types.ManagedObjectReference]*vmTrack
	specs map[types.ManagedObjectReference]*types.CustomizationSpec
}

type vmTrack struct {
	// set by the handler, under guestAgent.mu
	bootPending bool
	custom      *guestIdentity // identity applied by customization at the pending boot
	customNext  *guestIdentity // customization seen, power-on event not yet
	// owned by the agent goroutine
	on       bool
	booted   bool // has run a guest (or existed at start), so guest.net may hold IPs
	identity *guestIdentity
	readyAt  time.Time
}

var agentRef = types.ManagedObjectReference{Type: "VmdrLabGuestAgent", Value: "guest-agent"}

func newGuestAgent(boot time.Duration) *guestAgent {
	return &guestAgent{
		boot:  boot,
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		vms:   map[types.ManagedObjectReference]*vmTrack{},
		specs: map[types.ManagedObjectReference]*types.CustomizationSpec{},
	}
}

func (a *guestAgent) Reference() types.ManagedObjectReference { return agentRef }
func (a *guestAgent) PutObject(mo.Reference)                  {}

func (a *guestAgent) RemoveObject(ref types.ManagedObjectReference) {
	a.mu.Lock()
	delete(a.vms, ref)
	delete(a.specs, ref)
	a.mu.Unlock()
}

// UpdateObject runs inside vcsim methods, with the VM lock held (for VMs).
func (a *guestAgent) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	switch o := obj.(type) {
	case *mo.VirtualMachine:
		a.vmChanged(o, changes)
	case *mo.Task:
		a.taskChanged(o, changes)
	}
}

func (a *guestAgent) vmChanged(vm *mo.VirtualMachine, changes []types.PropertyChange) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range changes {
		switch c.Name {
		case "config.tools.pendingCustomization":
			if fmt.Sprint(c.Val) == "" { // customize() just applied a spec, inside PowerOn
				a.track(vm.Self).customNext = a.identityFromGuest(vm)
			}
		case "runtime.powerState":
			t := a.track(vm.Self) // adopts: only a complete VM changes power state
			if fmt.Sprint(c.Val) == string(types.VirtualMachinePowerStatePoweredOn) {
				t.bootPending, t.custom, t.customNext = true, t.customNext, nil
			}
			a.poke()
		}
	}
}

// taskChanged adopts the VM a creating task returns, once that task has
// succeeded: vcsim has finished building the VM by then.
func (a *guestAgent) taskChanged(task *mo.Task, changes []types.PropertyChange) {
	if task.Info.State != types.TaskInfoStateSuccess || !hasChange(changes, "info.state") {
		return
	}
	var ref types.ManagedObjectReference
	switch r := task.Info.Result.(type) {
	case types.ManagedObjectReference:
		ref = r
	case *types.ManagedObjectReference:
		ref = *r
	default:
		return
	}
	if ref.Type != "VirtualMachine" {
		return
	}
	a.mu.Lock()
	a.track(ref)
	a.mu.Unlock()
	a.poke()
}

func hasChange(changes []types.PropertyChange, name string) bool {
	for _, c := range changes {
		if c.Name == name {
			return true
		}
	}
	return false
}

// rememberSpec keeps the CustomizeVM_Task spec: vcsim applies only IPs and
// the host name to guest.net, so prefix and gateway must come from here.
func (a *guestAgent) rememberSpec(vm types.ManagedObjectReference, spec *types.CustomizationSpec) {
	a.mu.Lock()
	a.specs[vm] = spec
	a.mu.Unlock()
}

func (a *guestAgent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *guestAgent) track(ref types.ManagedObjectReference) *vmTrack {
	t := a.vms[ref]
	if t == nil {
		t = &vmTrack{}
		a.vms[ref] = t
	}
	return t
}

func (a *guestAgent) identityFromGuest(vm *mo.VirtualMachine) *guestIdentity {
	id := &guestIdentity{Hostname: vm.Guest.HostName}
	spec := a.specs[vm.Self]
	for i, nic := range vm.Guest.Net {
		n := nicIdentity{}
		if len(nic.IpAddress) > 0 {
			n.IP = nic.IpAddress[0]
		}
		if spec != nil && i < len(spec.NicSettingMap) {
			adapter := spec.NicSettingMap[i].Adapter
			if fixed, ok := adapter.Ip.(*types.CustomizationFixedIp); ok && fixed.IpAddress == n.IP {
				if ip := net.ParseIP(adapter.SubnetMask).To4(); ip != nil {
					ones, _ := net.IPMask(ip).Size()
					n.Prefix = int32(ones)
				}
				if len(adapter.Gateway) > 0 {
					n.Gateway = adapter.Gateway[0]
				}
			}
		}
		id.Nics = append(id.Nics, n)
	}
	return id
}

func (a *guestAgent) start() {
	simulator.Map.AddHandler(a)
	// Model VMs exist before the agent: they are booted guests with running tools.
	for _, vm := range allVMs() {
		simulator.Map.WithLock(vm, func() {
			a.mu.Lock()
			t := a.track(vm.Self)
			a.mu.Unlock()
			t.booted = true
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				t.on = true
				t.identity = readGuestIdentity(vm)
				publishRunning(vm, t.identity)
			}
		})
	}
	go a.loop()
}

// stop ends the agent goroutine and unregisters the handler (for tests).
func (a *guestAgent) stop() {
	simulator.Map.RemoveHandler(a)
	close(a.done)
}

func allVMs() []*simulator.VirtualMachine {
	var vms []*simulator.VirtualMachine
	for _, e := range simulator.Map.All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok {
			vms = append(vms, vm)
		}
	}
	return vms
}

func (a *guestAgent) loop() {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-a.done:
			return
		case <-a.wake:
		case <-tick.C:
		}
		a.pass()
	}
}

// pass reconciles every adopted VM; nothing else in the registry is read.
func (a *guestAgent) pass() {
	a.mu.Lock()
	refs := make([]types.ManagedObjectReference, 0, len(a.vms))
	for ref := range a.vms {
		refs = append(refs, ref)
	}
	a.mu.Unlock()
	for _, ref := range refs {
		if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok {
			simulator.Map.WithLock(vm, func() { a.reconcile(vm) })
		}
	}
}

func (a *guestAgent) reconcile(vm *simulator.VirtualMachine) {
	on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn

	a.mu.Lock()
	t := a.vms[vm.Self]
	if t == nil { // destroyed meanwhile
		a.mu.Unlock()
		return
	}
	boot := t.bootPending || (on && !t.on) // the poll catches what no event announced
	custom := t.custom
	t.bootPending, t.custom = false, nil
	a.mu.Unlock()
	t.on = on

	if on && !boot && t.readyAt.IsZero() && !toolsRunning(vm) {
		// A powered-on guest always comes up, whatever took its tools down.
		log.Printf("guest agent: %s: powered on without tools and not booting; booting it", vm.Name)
		boot = true
	}

	if custom != nil {
		// The customized guest saves its new network config to its disk.
		if err := writeGuestIdentity(vm, custom); err != nil {
			log.Printf("guest agent: %s: %v", vm.Name, err)
		}
	}

	if !on {
		t.readyAt = time.Time{}
		// A never-booted VM has no guest IPs; its guest.net is not even read, as
		// vcsim may still be adding NICs to a clone it has just created.
		if guestLooksAlive(vm, t.booted) {
			publishOff(vm, t.booted)
		}
		return
	}
	if boot {
		t.booted = true
		t.identity = custom
		if t.identity == nil {
			t.identity = readGuestIdentity(vm)
		}
		t.readyAt = time.Now().Add(a.boot)
		time.AfterFunc(a.boot, a.poke)
		publishOff(vm, true) // booting: no tools yet, and no address until tools report one
	}
	if !t.readyAt.IsZero() && !time.Now().Before(t.readyAt) {
		t.readyAt = time.Time{}
		publishRunning(vm, t.identity)
	}
}

func toolsRunning(vm *simulator.VirtualMachine) bool {
	return vm.Guest != nil &&
		vm.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
}

func guestLooksAlive(vm *simulator.VirtualMachine, checkNet bool) bool {
	g := vm.Guest
	if g == nil {
		return false
	}
	if g.ToolsRunningStatus != string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning) ||
		g.IpAddress != "" || vm.GuestHeartbeatStatus != types.ManagedEntityStatusGray {
		return true
	}
	if checkNet {
		for _, nic := range g.Net {
			if len(nic.IpAddress) > 0 {
				return true
			}
		}
	}
	return false
}

// guestNics copies guest.net, naming DVS-backed NICs by portgroup as vCenter
// does (vcsim leaves their network empty).
func guestNics(vm *simulator.VirtualMachine) []types.GuestNicInfo {
	nics := append([]types.GuestNicInfo(nil), vm.Guest.Net...)
	for i := range nics {
		if nics[i].Network != "" || vm.Config == nil {
			continue
		}
		for _, dev := range vm.Config.Hardware.Device {
			d := dev.GetVirtualDevice()
			if d.Key != nics[i].DeviceConfigId {
				continue
			}
			if b, ok := d.Backing.(*types.VirtualEthernetCardDistributedVirtualPortBackingInfo); ok {
				ref := types.ManagedObjectReference{Type: "DistributedVirtualPortgroup", Value: b.Port.PortgroupKey}
				if pg, ok := simulator.Map.Get(ref).(mo.Entity); ok {
					nics[i].Network = pg.Entity().Name
				}
			}
		}
	}
	return nics
}

// publishOff reports tools not running and no address; clearNet also empties
// the IPs of guest.net (a VM that never booted has none, and is left alone).
func publishOff(vm *simulator.VirtualMachine, clearNet bool) {
	notRunning := string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
	changes := []types.PropertyChange{
		{Name: "guest.toolsRunningStatus", Val: notRunning},
		{Name: "guest.toolsStatus", Val: types.VirtualMachineToolsStatusToolsNotRunning},
		{Name: "guest.guestState", Val: "notRunning"},
		{Name: "guest.ipAddress", Val: ""},
		{Name: "guest.ipStack", Val: []types.GuestStackInfo{}},
		{Name: "guestHeartbeatStatus", Val: types.ManagedEntityStatusGray},
		{Name: "summary.guest.toolsStatus", Val: types.VirtualMachineToolsStatusToolsNotRunning},
		{Name: "summary.guest.toolsRunningStatus", Val: notRunning},
		{Name: "summary.guest.ipAddress", Val: ""},
		{Name: "summary.quickStats.guestHeartbeatStatus", Val: types.ManagedEntityStatusGray},
	}
	if clearNet {
		nics := guestNics(vm)
		for i := range nics {
			nics[i].IpAddress, nics[i].IpConfig = nil, nil
		}
		changes = append(changes, types.PropertyChange{Name: "guest.net", Val: nics})
	}
	simulator.Map.Update(vm, changes)
}

func publishRunning(vm *simulator.VirtualMachine, id *guestIdentity) {
	nics := guestNics(vm)
	primary, gateway := "", ""
	for i := range nics {
		nics[i].IpAddress, nics[i].IpConfig = nil, nil
		if id == nil || i >= len(id.Nics) || id.Nics[i].IP == "" {
			continue
		}
		n := id.Nics[i]
		nics[i].IpAddress = []string{n.IP}
		nics[i].IpConfig = &types.NetIpConfigInfo{IpAddress: []types.NetIpConfigInfoIpAddress{{
			IpAddress: n.IP, PrefixLength: n.Prefix, State: string(types.NetIpConfigInfoIpAddressStatusPreferred),
		}}}
		if primary == "" {
			primary = n.IP
		}
		if gateway == "" {
			gateway = n.Gateway
		}
	}
	var stack []types.GuestStackInfo
	if gateway != "" {
		stack = []types.GuestStackInfo{{IpRouteConfig: &types.NetIpRouteConfigInfo{IpRoute: []types.NetIpRouteConfigInfoIpRoute{{
			Network: "0.0.0.0", PrefixLength: 0,
			Gateway: types.NetIpRouteConfigInfoGateway{IpAddress: gateway, Device: "0"},
		}}}}}
	}
	hostname := vm.Guest.HostName
	if id != nil && id.Hostname != "" {
		hostname = id.Hostname
	}
	running := string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "guest.net", Val: nics},
		{Name: "guest.ipAddress", Val: primary},
		{Name: "guest.hostName", Val: hostname},
		{Name: "guest.ipStack", Val: stack},
		{Name: "guest.toolsRunningStatus", Val: running},
		{Name: "guest.toolsStatus", Val: types.VirtualMachineToolsStatusToolsOk},
		{Name: "guest.toolsVersionStatus2", Val: string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent)},
		{Name: "guest.guestState", Val: "running"},
		{Name: "guestHeartbeatStatus", Val: types.ManagedEntityStatusGreen},
		{Name: "summary.guest.toolsStatus", Val: types.VirtualMachineToolsStatusToolsOk},
		{Name: "summary.guest.toolsRunningStatus", Val: running},
		{Name: "summary.guest.ipAddress", Val: primary},
		{Name: "summary.guest.hostName", Val: hostname},
		{Name: "summary.quickStats.guestHeartbeatStatus", Val: types.ManagedEntityStatusGreen},
	})
}

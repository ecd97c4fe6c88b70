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
type guestAgent struct {
	boot time.Duration
	wake chan struct{}

	mu    sync.Mutex // guards the fields below; never held across Map.Update
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
	identity *guestIdentity
	readyAt  time.Time
}

var agentRef = types.ManagedObjectReference{Type: "VmdrLabGuestAgent", Value: "guest-agent"}

func newGuestAgent(boot time.Duration) *guestAgent {
	return &guestAgent{
		boot:  boot,
		wake:  make(chan struct{}, 1),
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

// UpdateObject runs inside vcsim methods, with the VM lock held.
func (a *guestAgent) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	vm, ok := obj.(*mo.VirtualMachine)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range changes {
		switch c.Name {
		case "config.tools.pendingCustomization":
			if fmt.Sprint(c.Val) == "" { // customize() just applied a spec
				a.track(vm.Self).customNext = a.identityFromGuest(vm)
			}
		case "runtime.powerState":
			if fmt.Sprint(c.Val) == string(types.VirtualMachinePowerStatePoweredOn) {
				t := a.track(vm.Self)
				t.bootPending, t.custom, t.customNext = true, t.customNext, nil
			}
			a.poke()
		}
	}
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
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				t.on = true
				t.identity = readGuestIdentity(firstDiskFlatFile(vm))
				publishRunning(vm, t.identity)
			}
		})
	}
	go a.loop()
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
	for {
		select {
		case <-a.wake:
		case <-tick.C:
		}
		for _, vm := range allVMs() {
			simulator.Map.WithLock(vm, func() { a.reconcile(vm) })
		}
	}
}

func (a *guestAgent) reconcile(vm *simulator.VirtualMachine) {
	on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn

	a.mu.Lock()
	t := a.track(vm.Self)
	boot := t.bootPending || (on && !t.on) // the poll catches what no event announced
	custom := t.custom
	t.bootPending, t.custom = false, nil
	a.mu.Unlock()
	t.on = on

	file := firstDiskFlatFile(vm)
	if custom != nil && file != "" {
		// The customized guest saves its new network config to its disk.
		if err := writeGuestIdentity(file, custom); err != nil {
			log.Printf("guest agent: %s: %v", vm.Name, err)
		}
	}

	if !on {
		t.readyAt = time.Time{}
		if guestLooksAlive(vm) {
			publishOff(vm)
		}
		return
	}
	if boot {
		t.identity = custom
		if t.identity == nil {
			t.identity = readGuestIdentity(file)
		}
		t.readyAt = time.Now().Add(a.boot)
		time.AfterFunc(a.boot, a.poke)
		publishOff(vm) // booting: no tools yet, and no address until tools report one
	}
	if !t.readyAt.IsZero() && !time.Now().Before(t.readyAt) {
		t.readyAt = time.Time{}
		publishRunning(vm, t.identity)
	}
}

func guestLooksAlive(vm *simulator.VirtualMachine) bool {
	g := vm.Guest
	if g.ToolsRunningStatus != string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning) ||
		g.IpAddress != "" || vm.GuestHeartbeatStatus != types.ManagedEntityStatusGray {
		return true
	}
	for _, nic := range g.Net {
		if len(nic.IpAddress) > 0 {
			return true
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

func publishOff(vm *simulator.VirtualMachine) {
	nics := guestNics(vm)
	for i := range nics {
		nics[i].IpAddress, nics[i].IpConfig = nil, nil
	}
	notRunning := string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "guest.toolsRunningStatus", Val: notRunning},
		{Name: "guest.toolsStatus", Val: types.VirtualMachineToolsStatusToolsNotRunning},
		{Name: "guest.guestState", Val: "notRunning"},
		{Name: "guest.ipAddress", Val: ""},
		{Name: "guest.net", Val: nics},
		{Name: "guest.ipStack", Val: []types.GuestStackInfo{}},
		{Name: "guestHeartbeatStatus", Val: types.ManagedEntityStatusGray},
		{Name: "summary.guest.toolsStatus", Val: types.VirtualMachineToolsStatusToolsNotRunning},
		{Name: "summary.guest.toolsRunningStatus", Val: notRunning},
		{Name: "summary.guest.ipAddress", Val: ""},
		{Name: "summary.quickStats.guestHeartbeatStatus", Val: types.ManagedEntityStatusGray},
	})
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

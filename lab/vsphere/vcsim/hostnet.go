package main

import (
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func hostNetworkSystem(h *simulator.HostSystem) *simulator.HostNetworkSystem {
	if h.ConfigManager.NetworkSystem == nil {
		return nil
	}
	hns, _ := simulator.Map.Get(*h.ConfigManager.NetworkSystem).(*simulator.HostNetworkSystem)
	return hns
}

func allHosts() []*simulator.HostSystem {
	var hosts []*simulator.HostSystem
	for _, e := range simulator.Map.All("HostSystem") {
		if h, ok := e.(*simulator.HostSystem); ok {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// uplinkVSwitch0 gives vSwitch0 in HostNetworkSystem.networkInfo the
// physical NIC (vmnic0) that host.config.network already shows; vcsim
// leaves networkInfo's vSwitch0 without pnic/spec, so "isolated" could not be
// told apart from "uplinked".
func uplinkVSwitch0() {
	for _, h := range allHosts() {
		hns := hostNetworkSystem(h)
		if hns == nil || h.Config == nil || h.Config.Network == nil {
			continue
		}
		for _, src := range h.Config.Network.Vswitch {
			for i := range hns.NetworkInfo.Vswitch {
				dst := &hns.NetworkInfo.Vswitch[i]
				if dst.Name != src.Name {
					continue
				}
				dst.Key, dst.NumPorts, dst.NumPortsAvailable, dst.Mtu = src.Key, src.NumPorts, src.NumPortsAvailable, src.Mtu
				dst.Pnic = append([]string(nil), src.Pnic...)
				dst.Spec = src.Spec
			}
		}
	}
}

// syncHostNetworks plays the admin who defines a standard portgroup on every
// host of a cluster: vcsim's AddPortGroup refuses a second portgroup of the
// same name in a datacenter, so it can only be added on one host via the API.
// It also fills Network.host, which vcsim leaves empty for standard networks.
func syncHostNetworks() {
	for range time.Tick(250 * time.Millisecond) {
		for _, e := range simulator.Map.All("ClusterComputeResource") {
			if c, ok := e.(*simulator.ClusterComputeResource); ok {
				mirrorPortgroups(c.Host)
			}
		}
		fillNetworkHosts()
	}
}

func mirrorPortgroups(hostRefs []types.ManagedObjectReference) {
	var systems []*simulator.HostNetworkSystem
	specs := map[string]types.HostPortGroupSpec{}
	var order []string
	for _, ref := range hostRefs {
		h, _ := simulator.Map.Get(ref).(*simulator.HostSystem)
		if h == nil {
			continue
		}
		hns := hostNetworkSystem(h)
		if hns == nil {
			continue
		}
		systems = append(systems, hns)
		simulator.Map.WithLock(hns, func() {
			for _, pg := range hns.NetworkInfo.Portgroup {
				if _, seen := specs[pg.Spec.Name]; !seen {
					specs[pg.Spec.Name] = pg.Spec
					order = append(order, pg.Spec.Name)
				}
			}
		})
	}
	for _, hns := range systems {
		simulator.Map.WithLock(hns, func() {
			// Copy on write: a SOAP response being marshalled may still hold the
			// current networkInfo (it is read without the lock), so never edit it.
			info := hns.NetworkInfo
			next := *info
			changed := false
			for _, name := range order {
				spec := specs[name]
				if hasPortgroup(&next, name) {
					continue
				}
				for i := range next.Vswitch {
					if next.Vswitch[i].Name == spec.VswitchName {
						if !changed {
							next.Vswitch = append([]types.HostVirtualSwitch(nil), info.Vswitch...)
							next.Portgroup = append([]types.HostPortGroup(nil), info.Portgroup...)
						}
						next.Vswitch[i].Portgroup = append(append([]string(nil), next.Vswitch[i].Portgroup...), name)
						next.Portgroup = append(next.Portgroup, types.HostPortGroup{
							Key:  "key-vim.host.PortGroup-" + name,
							Spec: spec,
						})
						changed = true
					}
				}
			}
			if changed {
				simulator.Map.Update(hns, []types.PropertyChange{{Name: "networkInfo", Val: &next}})
			}
		})
	}
}

func hasPortgroup(info *types.HostNetworkInfo, name string) bool {
	for _, pg := range info.Portgroup {
		if pg.Spec.Name == name {
			return true
		}
	}
	return false
}

func datacenterOf(e mo.Entity) types.ManagedObjectReference {
	for e != nil && e.Entity().Parent != nil {
		parent := *e.Entity().Parent
		if parent.Type == "Datacenter" {
			return parent
		}
		e, _ = simulator.Map.Get(parent).(mo.Entity)
	}
	return types.ManagedObjectReference{}
}

func fillNetworkHosts() {
	hostsByNet := map[types.ManagedObjectReference]map[string][]types.ManagedObjectReference{}
	for _, h := range allHosts() {
		hns := hostNetworkSystem(h)
		if hns == nil {
			continue
		}
		dc := datacenterOf(h)
		if hostsByNet[dc] == nil {
			hostsByNet[dc] = map[string][]types.ManagedObjectReference{}
		}
		simulator.Map.WithLock(hns, func() {
			for _, pg := range hns.NetworkInfo.Portgroup {
				hostsByNet[dc][pg.Spec.Name] = append(hostsByNet[dc][pg.Spec.Name], h.Self)
			}
		})
	}
	for _, e := range simulator.Map.All("Network") {
		network, ok := e.(*mo.Network)
		if !ok {
			continue
		}
		want := hostsByNet[datacenterOf(network)][network.Name]
		if len(want) == 0 || sameRefs(network.Host, want) {
			continue
		}
		simulator.Map.WithLock(network, func() {
			simulator.Map.Update(network, []types.PropertyChange{{Name: "host", Val: want}})
		})
		for _, ref := range want {
			if h, ok := simulator.Map.Get(ref).(*simulator.HostSystem); ok {
				simulator.Map.WithLock(h, func() {
					if !containsRef(h.Network, network.Self) {
						simulator.Map.Update(h, []types.PropertyChange{{Name: "network", Val: append(append([]types.ManagedObjectReference(nil), h.Network...), network.Self)}})
					}
				})
			}
		}
	}
}

func sameRefs(a, b []types.ManagedObjectReference) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[types.ManagedObjectReference]bool{}
	for _, r := range a {
		set[r] = true
	}
	for _, r := range b {
		if !set[r] {
			return false
		}
	}
	return len(set) == len(b)
}

func containsRef(list []types.ManagedObjectReference, ref types.ManagedObjectReference) bool {
	for _, r := range list {
		if r == ref {
			return true
		}
	}
	return false
}

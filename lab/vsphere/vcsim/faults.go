package main

import (
	"fmt"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

// goMethodName maps a SOAP method name to the Go name vcsim compares
// against disabledMethod ("PowerOnVM_Task" -> "PowerOnVMTask").
func goMethodName(method string) string {
	if strings.HasSuffix(method, "_Task") {
		method = strings.TrimSuffix(method, "_Task") + "Task"
	}
	return strings.Title(method)
}

func vmsNamed(name string) []*simulator.VirtualMachine {
	var vms []*simulator.VirtualMachine
	for _, e := range simulator.Map.All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok && vm.Name == name {
			vms = append(vms, vm)
		}
	}
	return vms
}

// setDisabled adds (disable=true) or removes methods from the disabledMethod
// list of every VM with that name; vcsim then answers MethodDisabled.
func setDisabled(name string, methods []string, disable bool) error {
	vms := vmsNamed(name)
	if len(vms) == 0 {
		return fmt.Errorf("no VM named %q", name)
	}
	for _, vm := range vms {
		simulator.Map.WithLock(vm, func() {
			list := append([]string(nil), vm.DisabledMethod...)
			for _, m := range methods {
				list = removeString(list, goMethodName(m))
				if disable {
					list = append(list, goMethodName(m))
				}
			}
			simulator.Map.Update(vm, []types.PropertyChange{{Name: "disabledMethod", Val: list}})
		})
	}
	return nil
}

// disableMethods applies the -disable flag; unknown VM names are fatal.
func disableMethods(spec string) error {
	for _, item := range splitList(spec) {
		parts := strings.SplitN(item, ":", 2)
		if len(parts) != 2 || parts[1] == "" {
			return fmt.Errorf("-disable: want VMNAME:Method, got %q", item)
		}
		if err := setDisabled(parts[0], []string{parts[1]}, true); err != nil {
			return fmt.Errorf("-disable %q: %v", item, err)
		}
	}
	return nil
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

package main

import (
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/vmware/govmomi/simulator"
)

// The lab's guest writer endpoints (POST, Basic auth, form or query fields):
//
//	/vmdrlab/write?vm=NAME&offset=N   body = bytes; written into the VM's
//	                                  first disk as the guest would (to the
//	                                  head of its chain); answers {"epoch": E}
//	/vmdrlab/read?vm=NAME&offset=N&length=L   the guest's view of the disk
//	/vmdrlab/snapshots?vm=NAME        [{"name", "epoch", "open",
//	                                  "writes_while_open"}] of every snapshot
//	                                  taken: a snapshot holds exactly the writes
//	                                  answered with an epoch <= its own
//	/vmdrlab/resize?vm=NAME&bytes=N   the base disk becomes N bytes (sparse)
//	/vmdrlab/calls                    {SOAP method: calls so far}
func serveDiskAction(w http.ResponseWriter, r *http.Request, action string) bool {
	switch action {
	case "write", "read", "snapshots", "resize":
	case "calls":
		callsMu.Lock()
		defer callsMu.Unlock()
		writeJSON(w, calls)
		return true
	default:
		return false
	}
	vms := vmsNamed(r.FormValue("vm"))
	if len(vms) != 1 {
		http.Error(w, fmt.Sprintf("want one VM named %q, found %d", r.FormValue("vm"), len(vms)), http.StatusNotFound)
		return true
	}
	vm := vms[0]
	diskMu.Lock()
	defer diskMu.Unlock()
	if action == "snapshots" {
		var out []snapshotLog
		if d := labVMs[vm.Self]; d != nil {
			out = d.snapshots
		}
		writeJSON(w, out)
		return true
	}
	var chain *layer
	var err error
	simulator.Map.WithLock(vm, func() { chain, err = vmChain(vm) })
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return true
	}
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(r.FormValue(name), 10, 64)
		return n
	}
	switch action {
	case "write":
		data, rerr := ioutil.ReadAll(r.Body)
		if rerr == nil {
			rerr = chain.WriteAt(data, num("offset"))
		}
		if rerr != nil {
			http.Error(w, rerr.Error(), http.StatusInternalServerError)
			return true
		}
		d := labVM(vm.Self)
		for i := range d.snapshots {
			if d.snapshots[i].Open {
				d.snapshots[i].WritesWhileOpen++
			}
		}
		writeJSON(w, map[string]int{"epoch": d.epoch})
	case "read":
		_, _ = w.Write(chain.ReadAt(num("offset"), num("length")))
	case "resize":
		if chain.parent != nil {
			http.Error(w, "the disk has children", http.StatusConflict)
			return true
		}
		if err := os.Truncate(chain.extent, num("bytes")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		if err := setExtentSectors(chain.desc, num("bytes")/512); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		writeJSON(w, map[string]int64{"bytes": num("bytes")})
	}
	return true
}

// setExtentSectors rewrites the sector count of the descriptor's first extent.
func setExtentSectors(desc string, sectors int64) error {
	data, err := ioutil.ReadFile(desc)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if m := extentLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			lines[i] = strings.Replace(strings.TrimSpace(line), m[1]+" "+m[2], m[1]+" "+strconv.FormatInt(sectors, 10), 1)
			break
		}
	}
	return ioutil.WriteFile(desc, []byte(strings.Join(lines, "\n")), 0600)
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

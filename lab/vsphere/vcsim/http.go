package main

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const controlPrefix = "/vmdrlab/"

var (
	diskCallPattern = regexp.MustCompile(`<(?:\w+:)?(CreateSnapshot_Task|RemoveSnapshot_Task|CreateVM_Task|ReconfigVM_Task)[ >]`)
	methodPattern   = regexp.MustCompile(`<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)`)
	callsMu         sync.Mutex
	calls           = map[string]int{} // SOAP method -> calls, for tests (/vmdrlab/calls)
)

func countCall(body []byte) {
	if m := methodPattern.FindSubmatch(body); m != nil {
		callsMu.Lock()
		calls[string(m[1])]++
		callsMu.Unlock()
	}
}

// wrapHandler adds what the lab needs in front of vcsim's mux:
//   - /folder (datastore file access) requires a logged-in SOAP session cookie
//     or HTTP Basic with the site credentials, as vCenter does (vcsim serves it
//     to anyone);
//   - CustomizeVM_Task specs are shown to the guest agent.
func wrapHandler(next http.Handler, agent *guestAgent, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/folder/") {
			if !authorized(r, user, pass) {
				w.Header().Set("WWW-Authenticate", `Basic realm="vcsim"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
			if serveFolder(w, r) {
				return
			}
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sdk") {
			body, err := ioutil.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
			countCall(body)
			if diskCallPattern.Match(body) && serveDiskCall(next, w, r, body) {
				return
			}
			if bytes.Contains(body, []byte("CustomizeVM_Task")) {
				if m, err := simulator.UnmarshalBody(types.TypeFunc(), body); err == nil {
					if req, ok := m.Body.(*types.CustomizeVM_Task); ok {
						agent.rememberSpec(req.This, &req.Spec)
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func authorized(r *http.Request, user, pass string) bool {
	if u, p, ok := r.BasicAuth(); ok {
		return subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1 &&
			subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1
	}
	cookie, err := r.Cookie(soap.SessionCookieName)
	if err != nil {
		return false
	}
	sm := simulator.Map.SessionManager()
	res := sm.SessionIsActive(&simulator.Context{Map: simulator.Map},
		&types.SessionIsActive{SessionID: cookie.Value, UserName: user})
	body, ok := res.(*methods.SessionIsActiveBody)
	return ok && body.Fault_ == nil && body.Res != nil && body.Res.Returnval
}

// controlHandler serves the lab's runtime fault injection:
//
//	POST /vmdrlab/disable  vm=NAME&method=PowerOnVM_Task[,..]
//	POST /vmdrlab/enable   (same form) undoes it.
//	POST /vmdrlab/delay    delay=MS[&method=Name:MS,..] sets the latency of every later SOAP call, so a
//	                       scale lab can be seeded fast and then measured with latency.
func controlHandler(user, pass string, delays *simulator.DelayConfig) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		action := strings.TrimPrefix(r.URL.Path, controlPrefix)
		if serveDiskAction(w, r, action) {
			return
		}
		if action == "delay" {
			setDelay(w, r, delays)
			return
		}
		if action != "disable" && action != "enable" {
			http.NotFound(w, r)
			return
		}
		methods := splitList(r.FormValue("method"))
		if len(methods) == 0 {
			http.Error(w, "method is required", http.StatusBadRequest)
			return
		}
		if err := setDisabled(r.FormValue("vm"), methods, action == "disable"); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "%s %s %s\n", action, r.FormValue("vm"), strings.Join(methods, ","))
	}
}

func setDelay(w http.ResponseWriter, r *http.Request, delays *simulator.DelayConfig) {
	ms, err := strconv.Atoi(r.FormValue("delay"))
	if err != nil || ms < 0 {
		http.Error(w, "delay must be a number of ms", http.StatusBadRequest)
		return
	}
	perMethod, err := parseMethodDelay(r.FormValue("method"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// the service reads these on every call; replacing the map (not editing it) keeps readers safe
	delays.MethodDelay = perMethod
	delays.Delay = ms
	fmt.Fprintf(w, "delay %d ms, per method %v\n", ms, perMethod)
}

// serveFolder answers datastore file requests from the registry directly. vcsim's own handler
// resolves the datastore through SOAP calls to itself, so injected SOAP latency would also slow
// every file transfer several times over, which a real vCenter's /folder does not do.
// Returns false (vcsim serves the request) when the datastore is not found.
func serveFolder(w http.ResponseWriter, r *http.Request) bool {
	query := r.URL.Query()
	ds := findDatastore(query.Get("dcPath"), query.Get("dsName"))
	if ds == nil {
		http.Error(w, "no datastore "+query.Get("dsName")+" in datacenter "+query.Get("dcPath"), http.StatusNotFound)
		return true
	}
	root := ds.Info.GetDatastoreInfo().Url
	rel := path.Clean("/" + strings.TrimPrefix(r.URL.Path, "/folder/"))
	file := path.Join(root, rel)
	switch r.Method {
	case http.MethodPost, http.MethodPut:
		if r.Method == http.MethodPost {
			if _, err := os.Stat(file); err == nil {
				w.WriteHeader(http.StatusConflict)
				return true
			}
		}
		_ = os.MkdirAll(path.Dir(file), 0700)
		f, err := os.Create(file)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return true
		}
		defer f.Close()
		if err := copySparse(f, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	default:
		r.URL.Path = rel
		http.FileServer(http.Dir(root)).ServeHTTP(w, r)
	}
	return true
}

// findDatastore resolves dcPath as vCenter does: the datacenter's inventory
// path below the root folder (Folder/Sub/DC). A bare name does not find a
// datacenter that sits in a folder.
// copySparse writes the body into f, skipping runs of zero blocks (a thin
// disk on VMFS does not allocate them either), so a 1 GiB lab disk of zeros
// costs no host disk space.
func copySparse(f *os.File, body io.Reader) error {
	buf := make([]byte, 1<<20)
	var size int64
	for {
		n, err := io.ReadFull(body, buf)
		if n > 0 {
			if bytes.Count(buf[:n], []byte{0}) != n {
				if _, werr := f.WriteAt(buf[:n], size); werr != nil {
					return werr
				}
			}
			size += int64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return f.Truncate(size)
		}
		if err != nil {
			return err
		}
	}
}

func findDatastore(dcPath, name string) *simulator.Datastore {
	for _, obj := range simulator.Map.All("Datastore") {
		ds, ok := obj.(*simulator.Datastore)
		if !ok || ds.Name != name {
			continue
		}
		if dcPath == "" || inventoryPath(datacenterAbove(ds.Parent)) == strings.Trim(dcPath, "/") {
			return ds
		}
	}
	return nil
}

// datacenterAbove is the datacenter above ref, or nil.
func datacenterAbove(ref *types.ManagedObjectReference) *types.ManagedObjectReference {
	for ref != nil {
		obj := simulator.Map.Get(*ref)
		if dc, ok := obj.(*simulator.Datacenter); ok {
			self := dc.Self
			return &self
		}
		entity, ok := obj.(mo.Entity)
		if !ok {
			return nil
		}
		ref = entity.Entity().Parent
	}
	return nil
}

// inventoryPath is the path of ref below the root folder, names joined by '/'.
func inventoryPath(ref *types.ManagedObjectReference) string {
	var names []string
	for ref != nil {
		entity, ok := simulator.Map.Get(*ref).(mo.Entity)
		if !ok || entity.Entity().Parent == nil { // the root folder is not part of the path
			break
		}
		names = append([]string{entity.Entity().Name}, names...)
		ref = entity.Entity().Parent
	}
	return strings.Join(names, "/")
}

// Command vcsim is the vSphere site launcher of the vmdr.replication DR lab:
// a govmomi 0.24 simulator (vCenter model) plus the lab additions described
// in lab/README.md (guest agent, uplinked vSwitch0, auth on /folder,
// fault-injection control endpoint).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

func main() {
	listen := flag.String("l", "127.0.0.1:8989", "listen address host:port")
	dc := flag.Int("dc", 1, "datacenters")
	cluster := flag.Int("cluster", 1, "clusters per datacenter")
	host := flag.Int("host", 3, "hosts per cluster")
	standalone := flag.Int("standalone-host", 1, "standalone hosts per datacenter")
	vm := flag.Int("vm", 2, "VMs per resource pool and per standalone host")
	ds := flag.Int("ds", 1, "local datastores per datacenter")
	pg := flag.Int("pg", 1, "DVS portgroups per datacenter (0 = no DVS)")
	delay := flag.Int("delay", 0, "ms added to every SOAP method")
	jitter := flag.Float64("jitter", 0, "delay jitter (coefficient of variation)")
	delayMethod := flag.String("delay-method", "", "per-method delays, e.g. PowerOnVM_Task:500,CloneVM_Task:3000")
	instanceUUID := flag.String("uuid", "", "about.instanceUuid of this site")
	disable := flag.String("disable", "", "fault injection: VMNAME:Method[,VMNAME:Method...]")
	certFile := flag.String("tls-cert", "", "PEM server certificate (enables HTTPS)")
	keyFile := flag.String("tls-key", "", "PEM server key")
	username := flag.String("username", "user", "the only accepted user name")
	password := flag.String("password", "pass", "the only accepted password")
	bootMS := flag.Int("guest-boot-ms", 300, "ms from power-on until the guest reports tools running")
	flag.Parse()

	methodDelay, err := parseMethodDelay(*delayMethod)
	if err != nil {
		log.Fatal(err)
	}

	model := simulator.VPX()
	model.Datacenter = *dc
	model.Cluster = *cluster
	model.ClusterHost = *host
	model.Host = *standalone
	model.Machine = *vm
	model.Datastore = *ds
	model.Portgroup = *pg
	model.DelayConfig = simulator.DelayConfig{Delay: *delay, DelayJitter: *jitter, MethodDelay: methodDelay}
	if *instanceUUID != "" {
		model.ServiceContent.About.InstanceUuid = *instanceUUID
	}
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()

	if err := disableMethods(*disable); err != nil {
		model.Remove()
		log.Fatal(err)
	}
	uplinkVSwitch0()

	// Only this exact pair logs in. Setting simulator.DefaultLogin alone would
	// not do: SessionManager accepts any non-empty login when Listen.User is
	// (pointer-)equal to DefaultLogin.
	creds := url.UserPassword(*username, *password)
	model.Service.Listen = &url.URL{Host: *listen, User: creds}
	model.Service.RegisterEndpoints = true
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			model.Remove()
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}

	agent := newGuestAgent(time.Duration(*bootMS) * time.Millisecond)
	agent.start()
	model.Service.HandleFunc(controlPrefix, controlHandler(*username, *password, &model.DelayConfig))

	server := model.Service.NewServer()
	// Safe before the readiness line: nobody knows the port is ours yet.
	server.Config.Handler = wrapHandler(server.Config.Handler, agent, *username, *password)

	go syncHostNetworks()

	u := *server.URL
	u.User = nil
	fmt.Printf("VCSIM READY url=%s vms=%d instance_uuid=%s\n",
		u.String(), len(simulator.Map.All("VirtualMachine")), *instanceUUID)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig

	// Close waits for in-flight requests (e.g. a long WaitForUpdatesEx); bound it.
	done := make(chan struct{})
	go func() { server.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
	}
	fmt.Println("VCSIM STOPPED")
}

func parseMethodDelay(spec string) (map[string]int, error) {
	delays := map[string]int{}
	for _, item := range splitList(spec) {
		parts := strings.SplitN(item, ":", 2)
		if len(parts) != 2 {
			return nil, fmt.Errorf("-delay-method: want Method:ms, got %q", item)
		}
		ms, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("-delay-method %q: %v", item, err)
		}
		delays[parts[0]] = ms
	}
	return delays, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

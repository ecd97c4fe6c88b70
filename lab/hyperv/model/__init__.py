"""The shared Hyper-V site model (hosts, switches, VMs, replication relationships) and its clock."""

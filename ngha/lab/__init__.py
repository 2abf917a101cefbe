"""The lab: several controller nodes on one machine, each a namespace booting real systemd.

How a node is made (lifecycle -> node -> bootscript): its own network namespace with a
veth into a bridge that lives in a lab-only namespace (network), its own cgroups (cgroups),
and `unshare` running a boot script as PID 1 of new PID/mount/UTS/IPC/cgroup namespaces,
which mounts an overlay of the host's / with the node's upper directory (its disk,
seeded by provision/rootfs), pivots into it and execs systemd. Nothing is routed on the
host. Other code reaches a lab through `ngha.lab.session.Lab` (its nodes, lab or ssh
transport).
"""

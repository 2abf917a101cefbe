"""The two small shell programs that turn a namespace into a booting node.

They are constants run with `sh -c SCRIPT NAME ARGS...`: values only ever arrive as
positional parameters, never pasted into the script text.
"""

# Runs on the host. Joins the node's cgroups first (so the cgroup namespace created next
# is rooted at the node's cgroup), then enters the node's network namespace and starts the
# boot script as PID 1 of new PID, mount, UTS, IPC and cgroup namespaces.
# $1 netns  $2 boot script  $3 node dir  $4 hostname  $5... cgroup directories
LAUNCH = r"""
set -eu
netns=$1 boot=$2 node_dir=$3 name=$4
shift 4
for cg in "$@"; do echo $$ > "$cg/cgroup.procs"; done
exec nsenter --net="/run/netns/$netns" -- \
    unshare --mount --uts --ipc --pid --cgroup --fork --propagation private -- \
    /bin/sh -c "$boot" ngha-node-boot "$node_dir" "$name"
"""

# PID 1 of the node until it execs systemd: builds the node's root from an overlay of the
# host's / and the node's own upper directory, gives it private /proc, /sys, /dev, /run
# and /tmp, and pivots into it. $1 node dir  $2 hostname
BOOT = r"""
set -eu
node_dir=$1 name=$2
root=$node_dir/root
mount --make-rprivate /
mount -t overlay overlay \
    -o "lowerdir=/,upperdir=$node_dir/upper,workdir=$node_dir/work" "$root"

mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
# Kernel settings are host-wide: a node may change only its own network's.
mount --bind "$root/proc/sys" "$root/proc/sys"
mount --bind "$root/proc/sys/net" "$root/proc/sys/net"
mount -o remount,bind,ro "$root/proc/sys"
if [ -e "$root/proc/sysrq-trigger" ]; then
    mount --bind "$root/proc/sysrq-trigger" "$root/proc/sysrq-trigger"
    mount -o remount,bind,ro "$root/proc/sysrq-trigger"
fi

# A fresh read-only sysfs shows this node's network devices only, and keeps udev and
# systemd-sysctl from acting on the host. cgroup2 mounted here is rooted at the node.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"

# A minimal /dev: no host disks or consoles in the node.
mount -t tmpfs -o mode=755,nosuid,size=16m tmpfs "$root/dev"
for dev in null zero full random urandom tty; do
    touch "$root/dev/$dev"
    mount --bind "/dev/$dev" "$root/dev/$dev"
done
mkdir -p "$root/dev/pts" "$root/dev/shm" "$root/dev/mqueue"
# The host's terminals: `lab exec` hands its tty to a process in the node, which must
# find it under the same /dev/pts name (ttyname, sudo, password prompts).
# A ptmx device node (not a bind mount) finds the devpts mounted next to it, at pts/.
mount --bind /dev/pts "$root/dev/pts"
mknod -m 666 "$root/dev/ptmx" c 5 2
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
touch "$root/dev/console"
mount --bind "$node_dir/console.log" "$root/dev/console"
# Pacemaker's IPC lives in /dev/shm; without mode 1777 it fails "Invalid IPC credentials".
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
mount -t mqueue -o nosuid,nodev,noexec mqueue "$root/dev/mqueue"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"

# The lab's shared directory (standing for NFS: Glance's image store), the same on
# every node; bound from the host's view before the node's root replaces it.
shared=$node_dir/../../shared
if [ -d "$shared" ]; then
    mkdir -p "$root/srv/ngha-lab-shared"
    mount --bind "$shared" "$root/srv/ngha-lab-shared"
fi

hostname "$name"
cd "$root"
pivot_root . .
umount -l .
cd /
exec env -i container=ngha-lab PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /lib/systemd/systemd
"""

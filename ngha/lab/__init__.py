"""The lab: several controller nodes on one machine, each a namespace booting real systemd."""

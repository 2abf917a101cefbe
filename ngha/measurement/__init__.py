"""What chaos and migrate measure, the same way: the prober in the lab's client (every
request through the VIPs, its start, end and outcome), outage windows, who restarted
(PID and Pacemaker-start snapshots), what Pacemaker did (its journal), and whether every
acknowledged write is still in Galera."""

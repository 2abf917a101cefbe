"""What it takes to bring a live cluster to the desired state, in three parts observed
and planned on their own: the CIB (one patch, checked by the cascade gate), the nodes
(files, units, restarts owed) and the one-off tasks. `ngha plan` prints the whole;
`ngha apply` plans it once, then each step re-observes only the part it acts on."""

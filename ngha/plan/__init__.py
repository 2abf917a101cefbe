"""What it takes to bring a live cluster to the desired state: observe the cluster,
compare with the target, and list the changes (CIB, files, units, one-off tasks),
checked by the cascade gate before anything changes. `ngha plan` prints it; `ngha
apply` carries it out step by step, observing again after each step."""

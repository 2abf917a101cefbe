"""Offline blast-radius analysis: Pacemaker's own scheduler (crm_simulate) on a rendered CIB."""

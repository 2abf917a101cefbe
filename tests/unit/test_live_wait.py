"""What a wait for an idle cluster says when it gives up: the pending actions, as
crm_resource -V lists them (this output is Pacemaker 2.1's, from the lab)."""

from __future__ import annotations

from ngha.live.pacemaker import pending_actions

TIMED_OUT = """\
(unpack_config) 	warning: Blind faith: not fencing unseen nodes
crm_resource: Error performing operation: Timeout occurred
Pending actions:
	Action 13: slow_stop_0	on ctl-1
	Action 11: slow2_monitor_10000	on ctl-1
	Action 10: slow2_start_0	on ctl-1
"""


def test_the_pending_actions_are_named_with_their_nodes():
    assert pending_actions(TIMED_OUT) == \
        "slow_stop_0 on ctl-1, slow2_monitor_10000 on ctl-1, slow2_start_0 on ctl-1"


def test_a_long_list_is_cut_and_counted():
    assert pending_actions(TIMED_OUT, most=1) == "slow_stop_0 on ctl-1 and 2 more"


def test_no_list_says_so():
    assert pending_actions("crm_resource: Error performing operation: Timeout occurred") \
        == "(crm_resource did not list them)"

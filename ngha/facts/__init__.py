"""Facts about a node: each is a command to run there and a pure parser of its output.

Reading (the command, run through any transport) is kept apart from understanding (the
parser, a pure function tested on recorded outputs), as pyinfra's facts and
ha_cluster's loader/exporter do. read.py is the only module that runs anything: the
fact's command, through whatever transport it is given.
"""

from ngha.facts.base import Fact, FactUnreadable
from ngha.facts.cib import CibFact, LiveCib
from ngha.facts.crm_mon import ClusterView, CrmMonFact, FailedAction, Instance, NodeView
from ngha.facts.files import FileDigestsFact, FileState
from ngha.facts.read import read_fact, read_fact_on
from ngha.facts.units import UnitsFact, UnitState

__all__ = ["CibFact", "ClusterView", "CrmMonFact", "FailedAction", "Fact", "FactUnreadable",
           "FileDigestsFact", "FileState", "Instance", "LiveCib", "NodeView", "UnitState",
           "UnitsFact", "read_fact", "read_fact_on"]

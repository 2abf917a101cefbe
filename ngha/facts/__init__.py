"""Facts about a node: each is a command to run there and a pure parser of its output.

Reading (the command, run through any transport) is kept apart from understanding (the
parser, a pure function tested on recorded outputs), as pyinfra's facts and
ha_cluster's loader/exporter do. read.py is the only module that runs anything: the
fact's command, through whatever transport it is given. Every read of a node's state
anywhere in ngha is one of these.
"""

from ngha.facts.base import Fact, FactUnreadable
from ngha.facts.cib import CibFact, LiveCib
from ngha.facts.corosync import CorosyncFact, CorosyncRuntime
from ngha.facts.crm_mon import (RUNNING_ROLES, ClusterView, CrmMonFact, FailedAction,
                                Instance, NodeView)
from ngha.facts.files import FileDigestsFact, FileState
from ngha.facts.galera import WsrepFact, WsrepStatus
from ngha.facts.haproxy import HaproxyServersFact, ServerState
from ngha.facts.journal import JournalFact, JournalLine, OperationResult, operation_results
from ngha.facts.node import ClockFact, FileLinesFact, HttpStatusFact, SysctlFact
from ngha.facts.rabbitmq import RabbitUsersFact
from ngha.facts.read import read_fact, read_fact_on
from ngha.facts.sql import SqlFact
from ngha.facts.units import UnitsFact, UnitState

__all__ = ["RUNNING_ROLES", "CibFact", "ClockFact", "ClusterView", "CorosyncFact",
           "CorosyncRuntime", "CrmMonFact", "FailedAction", "Fact", "FactUnreadable",
           "FileDigestsFact", "FileLinesFact", "FileState", "HaproxyServersFact",
           "HttpStatusFact", "Instance", "JournalFact", "JournalLine", "LiveCib", "NodeView",
           "OperationResult", "RabbitUsersFact", "ServerState", "SqlFact", "SysctlFact",
           "UnitState", "UnitsFact", "WsrepFact", "WsrepStatus", "operation_results",
           "read_fact", "read_fact_on"]

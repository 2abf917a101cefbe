"""The live CIB (`cibadmin --query`) with the version it was read at.

The version (admin_epoch, epoch, num_updates) is what makes a later patch safe: Pacemaker
refuses a patch whose source version is not the current one, so a change made by someone
else in between is never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ngha.facts.base import Fact, FactUnreadable


@dataclass(frozen=True)
class CibVersion:
    admin_epoch: int
    epoch: int
    num_updates: int

    @property
    def configuration(self) -> tuple[int, int]:
        """What changes with the configuration (num_updates also moves with status)."""
        return self.admin_epoch, self.epoch

    def __str__(self) -> str:
        return f"{self.admin_epoch}.{self.epoch}.{self.num_updates}"


@dataclass(frozen=True)
class LiveCib:
    xml: bytes
    version: CibVersion
    node: str  # where it was read

    def tree(self) -> etree._Element:
        """A fresh, modifiable copy of the whole CIB."""
        return etree.fromstring(self.xml, etree.XMLParser(remove_blank_text=True))


def version_of(root: etree._Element) -> CibVersion:
    def number(name: str) -> int:
        value = root.get(name, "0")
        return int(value) if value.isdigit() else 0
    return CibVersion(number("admin_epoch"), number("epoch"), number("num_updates"))


def parse_cib(xml_text: str, node: str) -> LiveCib:
    data = xml_text.encode()
    try:
        root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    except etree.XMLSyntaxError as exc:
        raise FactUnreadable(f"{node}: cibadmin printed no readable CIB ({exc})") from None
    if root.tag != "cib" or root.find("configuration") is None:
        raise FactUnreadable(f"{node}: cibadmin's output is not a CIB (<{root.tag}>)")
    return LiveCib(xml=data, version=version_of(root), node=node)


class CibFact(Fact[LiveCib]):
    what = "the CIB (cibadmin --query)"

    def argv(self) -> list[str]:
        return ["cibadmin", "--query"]

    def parse(self, stdout: str, node: str) -> LiveCib:
        return parse_cib(stdout, node)

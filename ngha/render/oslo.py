"""oslo.config fragments that make services retry their database and broker forever.

They land in /etc/<project>/<file>.d/, a directory oslo.config reads by default after the
main file, so the distribution's config file is never edited.
"""

from __future__ import annotations

import posixpath

FRAGMENT_NAME = "50-ngha-retry.conf"


def fragment_path(config_file: str) -> str:
    return posixpath.join(f"{config_file}.d", FRAGMENT_NAME).lstrip("/")


def render_fragment(sections: dict[str, dict[str, str]],
                    title: str = "retry the database and the message broker forever") -> str:
    lines = [f"# Managed by ngha: {title}."]
    for section, options in sections.items():
        lines.append("")
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in options.items())
    return "\n".join(lines) + "\n"

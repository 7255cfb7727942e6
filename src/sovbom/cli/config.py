"""``sovbom config``: the defaults in effect and where each comes from."""

from __future__ import annotations

from enum import StrEnum

import orjson

from sovbom._io import write_bytes
from sovbom.cli._common import cli, format_option, output_option
from sovbom.cli._options import default_format


class ConfigFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@cli.command("config")
@format_option(ConfigFormat, "Output")
@output_option()
def config_command(fmt: str | None, output: str) -> None:
    """Show the defaults in effect for shared options, and where each comes from.

    \b
    Precedence, highest first:
      1. the command line (an option given to a command)
      2. environment: SOVBOM_POLICY, SOVBOM_SIGNERS, SOVBOM_TRUSTED_ROOT,
         SOVBOM_TRUST_CONFIG, SOVBOM_DATABASE_URL
      3. sovbom.toml in the current directory
      4. [tool.sovbom] in pyproject.toml in the current directory
      5. built-in (no default)

    \b
    Exit codes: 0 shown; 4 a configuration file is not valid TOML or has an unknown key.
    """
    from sovbom.config import load_config

    resolved = load_config()
    if ConfigFormat(fmt or default_format(output)) is ConfigFormat.JSON:
        data = orjson.dumps(resolved.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"
    else:
        lines = [f"{'setting':<14} {'value':<40} from"]
        for v in resolved.values:
            origin = str(v.origin) + (f" ({v.source})" if v.source else "")
            lines.append(f"{v.setting.key:<14} {v.shown or '-':<40} {origin}")
        lines.append("")
        lines += [f"{'found' if found else 'absent':<6} {path}" for path, found in resolved.files]
        data = ("\n".join(lines) + "\n").encode("utf-8")
    write_bytes(output, data)

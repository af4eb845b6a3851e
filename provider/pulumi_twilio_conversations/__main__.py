"""Command line: ``python -m pulumi_twilio_conversations export IS...``."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Optional

from .core.client import TwilioError
from .core.config import DEFAULT_NAMESPACE, env_name
from .core.models import SERVICE_SID_PATTERN
from .export import ExportError, export


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_twilio_conversations",
        description="Tools for the ServiceNotifications Pulumi resource.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    exp = commands.add_parser(
        "export",
        help="print a Python snippet that reproduces a service's live notification settings",
        description="Print a ready-to-paste ServiceNotifications declaration equal to the live settings. "
        f"Credentials come from {env_name(DEFAULT_NAMESPACE, 'accountSid')} + "
        f"{env_name(DEFAULT_NAMESPACE, 'authToken')} (or {env_name(DEFAULT_NAMESPACE, 'apiKey')} + "
        f"{env_name(DEFAULT_NAMESPACE, 'apiSecret')}); {env_name(DEFAULT_NAMESPACE, 'baseUrl')} "
        "points at another endpoint such as the emulator.",
    )
    exp.add_argument("service_sid", help="the Conversations Service SID (IS...)")
    exp.add_argument("--name", default=None, help="resource name in the snippet (default: derived from the SID)")
    exp.add_argument("--config-namespace", default=DEFAULT_NAMESPACE,
                     help="read credentials from this namespace's variables (twilio-eu -> TWILIO_EU_*)")
    args = parser.parse_args(argv)
    if not re.fullmatch(SERVICE_SID_PATTERN, args.service_sid):
        parser.error(f"{args.service_sid!r} is not a Conversations Service SID ('IS' + 32 hex characters)")
    name = args.name or f"notifications-{args.service_sid[-6:].lower()}"
    try:
        print(export(args.service_sid, name, args.config_namespace), end="")
    except (TwilioError, ExportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
        description="Tools for the Service, Credential and ServiceNotifications Pulumi resources.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    exp = commands.add_parser(
        "export",
        help="print a Python program that adopts a service and its live notification settings",
        description="Print a ready-to-paste program: a Service that adopts the service (adopt_sid, its live "
        "friendly_name) and a ServiceNotifications equal to its live settings; the first pulumi up after pasting "
        f"reads them and changes nothing. Credentials come from {env_name(DEFAULT_NAMESPACE, 'accountSid')} + "
        f"{env_name(DEFAULT_NAMESPACE, 'authToken')} (or {env_name(DEFAULT_NAMESPACE, 'apiKey')} + "
        f"{env_name(DEFAULT_NAMESPACE, 'apiSecret')}); {env_name(DEFAULT_NAMESPACE, 'baseUrl')} "
        "points at another endpoint such as the emulator.",
    )
    exp.add_argument("service_sid", help="the Conversations Service SID (IS...)")
    exp.add_argument("--name", default=None, help="the ServiceNotifications' resource name (default: derived from the "
                     "SID)")
    exp.add_argument("--service-name", default=None, help="the Service's resource name (default: derived from the SID)")
    exp.add_argument("--settings-only", action="store_true", help="print the ServiceNotifications alone, naming the "
                     "SID, for a service this stack does not own (no Service, one GET)")
    exp.add_argument("--config-namespace", default=DEFAULT_NAMESPACE,
                     help="read credentials from this namespace's variables (twilio-eu -> TWILIO_EU_*)")
    args = parser.parse_args(argv)
    if not re.fullmatch(SERVICE_SID_PATTERN, args.service_sid):
        parser.error(f"{args.service_sid!r} is not a Conversations Service SID ('IS' + 32 hex characters)")
    if args.settings_only and args.service_name is not None:
        parser.error("--service-name names the Service, which --settings-only leaves out: give one or the other")
    suffix = args.service_sid[-6:].lower()
    name = args.name or f"notifications-{suffix}"
    service_name = None if args.settings_only else (args.service_name or f"service-{suffix}")
    try:
        print(export(args.service_sid, name, args.config_namespace, service_name), end="")
    except (TwilioError, ExportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

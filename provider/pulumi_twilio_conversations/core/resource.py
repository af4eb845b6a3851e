"""What a resource is, declared once: its inputs, its checks and diff, its calls to Twilio, its 404 rules.

Both front ends are generic over a ``ResourceType``: the dynamic provider answers the engine with the
declaration its class names, the native plugin with the one the call's type token names. Each resource
has one module that declares it (``core/notifications.py`` for ``ServiceNotifications``), with the
model, wire mapping, operations and "gone" rules side by side, as HashiCorp's provider scaffolding
keeps Schema, Create, Read, Update and Delete together.

Example::

    kind = SERVICE_NOTIFICATIONS                     # core/notifications.py
    inputs, problems = kind.validate(program_inputs)
    id_, outs = kind.create(client, credentials, inputs)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from pydantic import BaseModel

from .client import Credentials, TwilioClient
from .config import KeyNames
from .messages import Problem

Props = Mapping[str, Any]


@dataclass(frozen=True)
class ResourceType:
    """One resource type, in the core's names (snake_case); see the module docstring."""

    name: str
    """The type's name: ``twilio-conversations:index:<name>`` on the plugin, ``twilio:<name>`` for the
    dynamic resource."""
    description: str
    """What it is, for the package schema and the docs (markdown; the first line is the summary)."""
    inputs: type[BaseModel]
    """The model of its inputs: validation, the package schema and the docs tables read it."""
    required: tuple[str, ...]
    """Inputs a program must set."""
    output_only: Mapping[str, str]
    """Outputs Twilio adds to the inputs' fields, with their descriptions (every input is an output too);
    strings, but for the ``output_maps``."""
    replace_on: tuple[str, ...]
    """Inputs whose new value replaces the resource (Twilio cannot change them in place)."""
    validate: Callable[[Props], tuple[dict[str, Any], list[Problem]]]
    """Check: canonical inputs (defaults filled, unknowns kept) or the problems, naming field and fix."""
    changed: Callable[[Props, Props], list[str]]
    """Diff: the dotted paths whose new input differs from the live outputs (olds)."""
    replaces: Callable[[str, Props, Props], bool]
    """Diff: whether the new inputs (news) replace the resource with this id and live outputs (olds)."""
    create: Callable[[TwilioClient, Credentials, Props], tuple[str, dict[str, Any]]]
    """The id and the outputs of a new resource."""
    read: Callable[[TwilioClient, Credentials, str, Props, KeyNames], Optional[tuple[dict[str, Any], dict[str, Any]]]]
    """(outputs, inputs equal to the live state), or None when it is gone by the type's 404 rules."""
    update: Callable[[TwilioClient, Credentials, str, Props, Props, list[str]], dict[str, Any]]
    """(client, credentials, id, olds, news, changed): the outputs after sending the ``changed`` paths of the
    new inputs (news); olds are the live outputs in the state."""
    delete: Callable[[TwilioClient, Credentials, str, Props, KeyNames], None]
    """Delete (or reset); returns when the resource is gone, raises when that cannot be told."""
    warnings: Callable[[Props], list[Problem]] = field(default=lambda _inputs: [])
    """Doubtful but valid inputs, shown as warnings on the resource."""
    secret_inputs: frozenset[str] = frozenset()
    """Inputs that are secret wherever they are stored or shown."""
    output_maps: frozenset[str] = frozenset()
    """Outputs among ``output_only`` that are maps of strings (a Service's ``links``)."""
    input_only: frozenset[str] = frozenset()
    """Inputs that are no output (a Service's ``adopt_sid``, used by a create alone)."""
    check_change: Callable[[Props, Props], list[Problem]] = field(default=lambda _olds, _news: [])
    """Check: problems with going from the old inputs (olds; empty for a create) to the checked news, such as
    the replace of a resource under deletion protection. Raised at preview, before any request."""
    delete_first: Callable[[Props], bool] = field(default=lambda _olds: False)
    """Diff: whether a replace of the resource with these live outputs must delete it before creating the
    new one (a protected Service: its refused Delete then stops the replace before anything is created).
    The engine asks Diff only for a replace of its own finding: a ``pulumi up --replace`` or a taint
    replaces create-first unless the program sets ``deleteBeforeReplace``."""

    def check(self, olds: Props, news: Props) -> tuple[dict[str, Any], list[Problem]]:
        """What both front ends' Check does, in the core's names: the checked inputs, or the problems of
        ``news`` (then of the change from ``olds``, the old inputs) as a front end reports them."""
        inputs, problems = self.validate(news)
        if not problems:
            problems = self.check_change(olds, inputs)
        return inputs, [self.reported(p) for p in problems]

    def reported(self, problem: Problem) -> Problem:
        """A problem as a front end's Check reports it. A secret input's goes without its property: the engine
        prints the property's value beside a failure that names one (pkg/resource/deploy/step_generator.go
        issueCheckFailures: "property %v value %v has a problem"), a secret one too (PropertyValue.String prints
        a secret's element, sdk/go/common/resource/properties.go); only whole secure config values are hidden."""
        top = problem.field.split(".")[0]
        # A misspelt name (``privatekey``, ``secert``) may hold a secret as well.
        if top in self.secret_inputs or (self.secret_inputs and top not in self.inputs.model_fields):
            return Problem("", f"{problem.field}: {problem.reason}")
        return problem

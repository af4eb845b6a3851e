"""Stack-level rules, kept apart from the program so they can be tested as a table."""

from __future__ import annotations


def stack_problems(stack: str, badge_count_enabled: bool, template: str) -> list[str]:
    """What is wrong with this stack's settings; an empty list when nothing is."""
    problems = []
    if stack == "prod" and not badge_count_enabled:
        problems.append("prod must enable badge counts: pulumi config set badgeCount true --stack prod")
    if stack != "prod" and not template.startswith(f"[{stack}]"):
        problems.append(
            f"{stack} pushes must say where they come from: start newMessageTemplate with '[{stack}] '"
        )
    return problems

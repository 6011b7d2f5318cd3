"""Schemathesis over the app, in process: every check, every phase.

A plain module, imported by name (pytest puts this directory on
``sys.path``). :func:`fuzz` loads ``/openapi.json`` from the app (ASGI, no
network) and runs schemathesis's engine over it as ``schemathesis run
--checks all`` does: the examples, the coverage phase (every boundary and
every violation of each schema, unexpected methods, a missing
``Authorization``), property-based fuzzing with valid and invalid data, and
the stateful phase (sequences that follow the links schemathesis infers:
a meeting convened, then read, confirmed, held ...). It returns every
failure and error in words; a run that found nothing returns ``[]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import schemathesis
import schemathesis.engine
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
from schemathesis.engine import Status
from schemathesis.engine import events as ev

__all__ = ["Outcome", "fuzz"]


@dataclass
class Outcome:
    """What a run found, and how much it tried."""

    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def _config(
    token: str | None, max_examples: int, seed: int, coverage: bool
) -> SchemathesisConfig:
    data: dict[str, Any] = {
        "seed": seed,
        "phases": {"coverage": {"enabled": coverage}},
        # One worker: hypothesis's lambda-source cache is not thread-safe, and
        # the suite already runs on every core.
        "workers": 1,
        "checks": {"enabled": True},
        "generation": {"max-examples": max_examples, "database": "none"},
        "suppress-health-check": ["all"],
        "output": {"sanitization": {"enabled": False}},
    }
    # A key request carries a proof of possession: Ed25519 signatures by the
    # key over its own events. A schema says what shape a signature has, not
    # which bytes verify, so a well-shaped request with a forged proof is
    # refused 422, as the operation's description says; every other check
    # of the operation still runs.
    data["operations"] = [
        {
            "include-path": "/api/v1/keys",
            "include-method": "POST",
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": [
                        *POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
                        "422",
                    ],
                }
            },
        }
    ]
    if token is not None:
        data["auth"] = {"openapi": {"token": {"bearer": token}}}
    return SchemathesisConfig.from_dict(data)


def _failure(label: str, check: Any, response: Any) -> str:
    info = check.failure_info
    failure = info.failure if info is not None else None
    title = getattr(failure, "title", check.name)
    message = getattr(failure, "message", "")
    sample = f"\n    {info.code_sample}" if info is not None else ""
    answer = ""
    if response is not None:
        body = (
            response.content[:300].decode("utf-8", "replace")
            if response.content
            else ""
        )
        answer = f"\n    -> {response.status_code} {body}"
    return f"{label}: {check.name}: {title}\n    {message}{sample}{answer}"


def fuzz(
    app: Any,
    *,
    token: str | None,
    max_examples: int,
    coverage: bool = True,
    seed: int = 0,
) -> Outcome:
    """Run every check of schemathesis over ``app``, authenticated by
    ``token`` (a bearer token; ``None``: anonymous). ``coverage=False``
    leaves out the coverage phase (every other phase runs)."""
    config = _config(token, max_examples, seed, coverage)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    outcome = Outcome()
    seen: set[str] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, ev.ScenarioFinished | ev.FuzzScenarioFinished):
            recorder = event.recorder
            outcome.cases += len(recorder.cases)
            for interaction in recorder.interactions.values():
                response = interaction.response
                if response is not None:
                    code = response.status_code
                    outcome.statuses[code] = outcome.statuses.get(code, 0) + 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status != Status.FAILURE:
                        continue
                    interaction = recorder.interactions.get(case_id)
                    response = None if interaction is None else interaction.response
                    text = _failure(recorder.label, check, response)
                    if text not in seen:
                        seen.add(text)
                        outcome.failures.append(text)
        elif isinstance(event, ev.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, ev.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, ev.EngineFinished):
            outcome.failures.extend(f"after the run: {f}" for f in event.failures)
    return outcome

"""The rulebook cannot hold dead law: every key is read, or listed as unread with a reason."""

from __future__ import annotations

from typer.testing import CliRunner

from domain.rulebook import Rulebook
from workers.cli.app import app
from workers.rule_usage import UNREAD, rule_usage


def test_every_rule_and_override_key_is_read_or_listed(rb: Rulebook) -> None:
    usage = rule_usage(rb.law)
    assert usage.unread == []
    assert usage.stale_exceptions == []
    assert usage.unused_parameters == []


def test_the_check_fails_on_an_unread_key(rb: Rulebook) -> None:
    usage = rule_usage(rb.law, extra_keys=["sdp.followup.never_read_anywhere"])
    assert usage.unread == ["sdp.followup.never_read_anywhere"]
    assert not usage.ok


def test_an_exception_that_is_read_after_all_is_stale(rb: Rulebook) -> None:
    usage = rule_usage(rb.law, unread={**UNREAD, "jaf.conversations.forms": "x"})
    assert usage.stale_exceptions == ["jaf.conversations.forms"]


def test_the_held_but_unread_rules_of_issue_17_are_read(rb: Rulebook) -> None:
    for key in (
        "jaf.conversations.forms",
        "rf.conversations.forms",
        "ly.contact.forms",
        "sdp.extension.back_at_work_within_weeks",
        "rt.lae265.required",
        "rf.duration.max_years",
        "rf.extension.lae265_required",
    ):
        assert key not in UNREAD


def test_rules_check_reports_it() -> None:
    result = CliRunner().invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert "every rule and override key is read" in result.output

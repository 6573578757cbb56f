"""The legal claims this rulebook's scopes and citations rest on, checked against the seed
lines they cite (the seeds live in the shared folder beside the repository). A citation
moved to a line that does not say it fails here."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from domain.rulebook import Rulebook, load_rulebook


def _seeds() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "seeds"
        if candidate.is_dir():
            return candidate
    raise AssertionError("no shared/seeds folder above the repository")


@cache
def _line(seed: str, number: int) -> str:
    [path] = _seeds().glob(f"{seed}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()[number - 1]


CLAIMS = [
    # FK-3.c: the public løntilskud groups, its four grounds and the narrower jobrotation
    (
        "001",
        4725,
        ["løntilskud i offentlige", "selvforsørgende", "sygemeldte", "ressourceforløbsydelse"],
        [],
    ),
    ("001", 4730, ["§ 2, nr. 1", "dimittend", "sygedagpenge", "jobafklaringsforløb"], []),
    ("001", 4731, ["jobrotationsvikar", "dagpengemodtagere"], ["sygemeldte", "selvforsørgende"]),
    # The JAF RT exception: § 68d names one; the seeds do not give its 8 weeks
    ("001", 2053, ["§ 68d", "undtagelse for behandling i rehabiliteringsteams"], ["8 uger"]),
    ("002", 244, ["134 uger", "jobafklaringsforløb"], ["8 uger"]),
    # The mentor as ret- og pligttilbud abolished by the 2020 simplification
    ("003", 57, ["mentor som ret- og pligt-tilbud", "afskaffet", "udgangen af 2019"], []),
    # FK-1.c: the trial period's end, and not continued
    ("001", 4948, ["forsøgsperioden løber til 1. januar 2022"], []),
    ("003", 37, ["iværksætteri for dimittender", "ikke at permanentgøre"], []),
    # The three trials extended in 2021 by a year
    ("003", 19, ["Formkrav ved lovpligtige samtaler", "forlænges et år"], []),
    ("003", 29, ["Mikrolån", "forlænges et år"], []),
    ("003", 30, ["Psykologbehandling i jobcenteret", "forlænges et år"], []),
    # FK-3.a not continued: a revalidering grant needs LÆ265
    ("003", 43, ["revalidering", "LÆ265", "ikke at permanentgøre"], []),
]


@pytest.mark.parametrize(("seed", "number", "says", "does_not_say"), CLAIMS)
def test_the_cited_seed_line_says_it(
    seed: str, number: int, says: list[str], does_not_say: list[str]
) -> None:
    line = _line(seed, number)
    for words in says:
        assert words in line, f"[{seed}:L{number}] does not say {words!r}"
    for words in does_not_say:
        assert words not in line, f"[{seed}:L{number}] says {words!r}"


@pytest.fixture(scope="module")
def rb() -> Rulebook:
    return load_rulebook()


def test_the_recovery_exemption_cites_the_68d_exception_and_marks_its_weeks(
    rb: Rulebook,
) -> None:
    provenance = rb.law.rules["jaf.rt.exempt_if_recovery_expected_within_weeks"].citation
    assert "[001:L2053]" in provenance.provenance
    assert "8 weeks public law, to confirm" in provenance.provenance
    assert "002:L244" not in provenance.provenance

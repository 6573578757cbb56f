"""The phase registry: one module per trajectory phase, all behind the same interface."""

from __future__ import annotations

from domain.case.model import PhaseName
from domain.case.phase import Phase
from domain.case.phases.fleksjob import FleksjobPhase
from domain.case.phases.foertidspension import FoertidspensionPhase
from domain.case.phases.ivaerksaetteri import IvaerksaetteriPhase
from domain.case.phases.jobafklaringsforloeb import JobafklaringPhase
from domain.case.phases.kontaktforloeb import KontaktforloebPhase
from domain.case.phases.mentor import MentorPhase
from domain.case.phases.mikrolaan import (
    MikrolaanCoursePhase,
    MikrolaanDecisionPhase,
    MikrolaanScreeningPhase,
    MikrolaanStartupPhase,
)
from domain.case.phases.psykologbehandling import PsykologbehandlingPhase
from domain.case.phases.ressourceforloeb import RessourceforloebPhase
from domain.case.phases.revalidering import RevalideringPhase
from domain.case.phases.sygedagpenge import SygedagpengePhase

__all__ = ["PHASES", "phase_for"]

PHASES: dict[PhaseName, Phase] = {
    phase.name: phase
    for phase in (
        SygedagpengePhase(),
        JobafklaringPhase(),
        RessourceforloebPhase(),
        RevalideringPhase(),
        FleksjobPhase(),
        FoertidspensionPhase(),
        MikrolaanScreeningPhase(),
        MikrolaanCoursePhase(),
        MikrolaanDecisionPhase(),
        MikrolaanStartupPhase(),
        IvaerksaetteriPhase(),
        MentorPhase(),
        KontaktforloebPhase(),
        PsykologbehandlingPhase(),
    )
}


def phase_for(name: PhaseName) -> Phase:
    try:
        return PHASES[name]
    except KeyError:
        raise LookupError(f"no phase module for {name.value}") from None

"""Company-oriented offers (DOMAIN §3.11) as pure decisions a gateway can ask.

Each function answers one question for one citizen, company and day from the rulebook:
allowed or not, the reason a caseworker can read, the citations and the regime. No case
state is needed: the caller passes the few booleans and counts the rules test (facts are
the rulebook's declared facts, never personal data).
"""

from domain.offers.decisions import (
    Citizen,
    Company,
    OfferAnswer,
    Placement,
    may_place,
    may_subsidise,
    may_upskill,
)

__all__ = [
    "Citizen",
    "Company",
    "OfferAnswer",
    "Placement",
    "may_place",
    "may_subsidise",
    "may_upskill",
]

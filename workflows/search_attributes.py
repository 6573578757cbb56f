"""Search attribute keys of a case workflow.

Only non-personal fields: operators find cases by these, and Temporal stores them
unencrypted (they bypass the payload codec), so no CPR number or health detail may
ever be written here.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CASE_MUNICIPALITY = SearchAttributeKey.for_keyword("CaseMunicipality")
CASE_PHASE = SearchAttributeKey.for_keyword("CasePhase")
CASE_TARGET_GROUP = SearchAttributeKey.for_keyword("CaseTargetGroup")
CASE_REGIMES = SearchAttributeKey.for_keyword_list("CaseRegimes")
CASE_NEXT_DEADLINE = SearchAttributeKey.for_datetime("CaseNextDeadline")
CASE_NEXT_DEADLINE_KIND = SearchAttributeKey.for_keyword("CaseNextDeadlineKind")
CASE_OVERDUE = SearchAttributeKey.for_bool("CaseOverdue")
CASE_RULEBOOK_HASH = SearchAttributeKey.for_keyword("CaseRulebookHash")

ALL_KEYS = (
    CASE_MUNICIPALITY,
    CASE_PHASE,
    CASE_TARGET_GROUP,
    CASE_REGIMES,
    CASE_NEXT_DEADLINE,
    CASE_NEXT_DEADLINE_KIND,
    CASE_OVERDUE,
    CASE_RULEBOOK_HASH,
)


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags registering every key on a dev server."""
    type_names = {
        "KEYWORD": "Keyword",
        "KEYWORD_LIST": "KeywordList",
        "DATETIME": "Datetime",
        "BOOL": "Bool",
    }
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}={type_names[key.indexed_value_type.name]}"]
    return flags

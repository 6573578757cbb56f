#!/bin/sh
# Register caseflow's namespace and search attributes on a fresh cluster. Idempotent: an
# existing namespace or attribute is not an error on re-runs.
set -eu
NS="${CASEFLOW_NAMESPACE:-caseflow}"
temporal operator namespace describe -n "$NS" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NS" --retention 3650d
for attr in CaseMunicipality=Keyword CasePhase=Keyword CaseTargetGroup=Keyword \
            CaseRegimes=KeywordList CaseNextDeadline=Datetime CaseNextDeadlineKind=Keyword \
            CaseOverdue=Bool CaseRulebookHash=Keyword; do
  name="${attr%%=*}"; type="${attr#*=}"
  temporal operator search-attribute create -n "$NS" --name "$name" --type "$type" \
    || echo "search attribute $name already present"
done

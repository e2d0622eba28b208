"""`who can` equals a brute-force loop of `can` over every principal (issue #6 item 3).

`who can` prunes principals that no Allow statement could reach before asking
the engine (graph/candidates.py).  These tests compare its answer with asking
every principal the model names, and every root user, one `can` at a time.
"""

from __future__ import annotations

import iamdsl
from hypothesis import HealthCheck, given, settings, strategies as st

from iamdsl.engine.callers import caller_for
from iamdsl.engine.context import Context
from iamdsl.engine.evaluate import Evaluator, Outcome
from iamdsl.engine.verbs import evaluate_actions
from iamdsl.graph.enumerate import who_can
from iamdsl.model import Model, PrincipalKind, Subject
from iamdsl.testing.strategies import models

VERBS = ("read", "write", "pull", "push", "decrypt", "send", "assume", "invoke")


def _brute_force(model: Model, evaluator: Evaluator, verb: str, actions: tuple[str, ...], resource: str) -> dict[str, Outcome]:
    """Every named principal and root user that is not denied, by a `can` each."""
    found: dict[str, Outcome] = {}
    subjects = [Subject(kind="name", name=e.qualified_name) for e in model.principals.values()
                if e.kind is not PrincipalKind.GROUP and e.account in model.accounts]
    subjects += [Subject(kind="root", name=f"{a.name}.root") for a in model.accounts.values() if not a.external]
    for subject in subjects:
        decision = evaluate_actions(evaluator, caller_for(subject, model), verb, actions, resource, Context())
        if not decision.outcome.denied:
            found[subject.name] = decision.outcome
    return found


def _named(reaches) -> dict[str, Outcome]:
    return {r.name: r.outcome for r in reaches if r.name is not None and not r.denied}


def _questions(model: Model, resource: str) -> list[tuple[str, tuple[str, ...]]]:
    """Verbs, and the single actions the model's policies name (those of the resource's own policy first)."""
    own = [r.policy for r in model.resources.values() if r.arn == resource and r.policy is not None]
    own += [e.trust_policy for e in model.principals.values() if e.arn == resource and e.trust_policy is not None]
    named = [a for policy in own + [p for _, p in model.policies()] for st_ in policy.statements
             for a in st_.actions or () if "*" not in a and "?" not in a]
    return [(a, (a,)) for a in dict.fromkeys(named)] + [(v, model.verbs[v].actions) for v in VERBS if v in model.verbs]


def _targets(model: Model) -> list[str]:
    return [r.arn for r in model.resources.values()] + [e.arn for e in model.principals.values() if e.kind is PrincipalKind.ROLE]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=models(max_accounts=3, max_statements=14), data=st.data())
def test_who_can_equals_asking_every_principal(text: str, data) -> None:
    model = iamdsl.loads(text)
    targets = _targets(model)
    if not targets:
        return
    resource = data.draw(st.sampled_from(targets))
    verb, actions = data.draw(st.sampled_from(_questions(model, resource)))
    evaluator = Evaluator(model)
    pruned = who_can(model, evaluator, verb, actions, resource, Context())
    assert _named(pruned) == _brute_force(model, evaluator, verb, actions, resource)
    # pruning leaves out only principals that asking would deny, and nobody symbolic
    everyone = who_can(model, evaluator, verb, actions, resource, Context(), prune=False)
    assert {r.label: r.outcome for r in pruned if not r.denied} == {r.label: r.outcome for r in everyone if not r.denied}
    assert pruned.considered == len(everyone)


def test_pruning_keeps_a_principal_reached_only_through_a_group_managed_policy() -> None:
    model = iamdsl.loads(
        """
        account A 111111111111
        resource A.logs : s3:bucket "prune-logs"
        policy A.ReadLogs { allow s3:GetObject on A.logs/* }
        group A.Readers { attach A.ReadLogs }
        user A.ann { member of A.Readers }
        user A.bob
        """
    )
    reaches = who_can(model, Evaluator(model), "s3:GetObject", ("s3:GetObject",), model.resources["A.logs"].arn + "/*", Context())
    assert "A.ann" in _named(reaches)
    assert "A.bob" not in {r.name for r in reaches}  # left out: no Allow could reach bob
    assert reaches.considered == 3  # ann, bob and A's root user


def test_a_public_grant_keeps_every_principal() -> None:
    model = iamdsl.loads(
        """
        account A 111111111111
        resource A.site : s3:bucket "prune-site" { allow s3:GetObject on self/* to anyone }
        role A.Web
        """
    )
    reaches = who_can(model, Evaluator(model), "s3:GetObject", ("s3:GetObject",), model.resources["A.site"].arn + "/*", Context())
    assert "A.Web" in _named(reaches)  # same account: the bucket policy's "*" grants the role without an identity Allow (R61)


def test_pruning_keeps_a_role_that_only_the_resource_policy_names() -> None:
    model = iamdsl.loads(
        """
        account A 111111111111
        role A.App
        role A.Other
        resource A.key : kms:key "1234abcd-12ab-34cd-56ef-1234567890ab" {
            allow kms:Decrypt to A.App
        }
        """
    )
    arn = model.resources["A.key"].arn
    reaches = who_can(model, Evaluator(model), "kms:Decrypt", ("kms:Decrypt",), arn, Context())
    # R61: within one account, a key policy that names the role grants it without an identity Allow
    assert _named(reaches) == _brute_force(model, Evaluator(model), "kms:Decrypt", ("kms:Decrypt",), arn)
    assert "A.App" in _named(reaches)
    assert "A.Other" not in {r.name for r in reaches}


def test_r81_nobody_is_pruned_for_get_caller_identity() -> None:
    # R81: sts:GetCallerIdentity is allowed to every authenticated caller with no policy (found by the property test)
    model = iamdsl.loads("account A 111111111111\nrole A.Admin { allow ec2:DescribeInstances }\nrole A.Plain\n")
    reaches = who_can(model, Evaluator(model), "sts:GetCallerIdentity", ("sts:GetCallerIdentity",), "*", Context())
    assert {"A.Admin", "A.Plain", "A.root"} <= set(_named(reaches))


def test_a_principal_only_some_requests_could_be_allowed_is_asked_only_those() -> None:
    # Tok can get an ECR token, but no Allow names the repository for it: the three repository
    # actions are denied without asking, and the answer is PARTIAL, as asking everything says.
    model = iamdsl.loads(
        'account A 111111111111\nresource A.repo : ecr:repository "crowd"\n'
        "role A.Puller { allow pull on A.repo }\nrole A.Tok { allow ecr:GetAuthorizationToken }\n"
    )
    arn, actions, evaluator = model.resources["A.repo"].arn, model.verbs["pull"].actions, Evaluator(model)
    pruned = {r.name: r for r in who_can(model, evaluator, "pull", actions, arn, Context())}
    everyone = {r.name: r for r in who_can(model, evaluator, "pull", actions, arn, Context(), prune=False)}
    tok = pruned["A.Tok"].decision
    assert tok.outcome is Outcome.PARTIAL is everyone["A.Tok"].outcome
    assert [d.request.action for d in tok.decisions] == ["ecr:GetAuthorizationToken"]
    assert sorted(tok.unasked) == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert pruned["A.Puller"].decision.unasked == [] and pruned["A.Puller"].outcome is Outcome.ALLOWED

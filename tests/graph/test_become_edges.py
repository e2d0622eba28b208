"""Edges between principals (issue #6 items 1 and 2): each one decided by the engine, never guessed.

An assume-role edge needs the trust policy and, where AWS needs it, the
identity side; escalation edges (PassRole, UpdateAssumeRolePolicy,
CreateCredentials, EditPolicy) need every action they rest on.  Conditional
edges carry their conditions, and a given context decides them.
"""

from __future__ import annotations

import iamdsl
import pytest

from iamdsl.engine.context import Context
from iamdsl.graph.become import Becoming, actor_for, principal_edges
from iamdsl.graph.elements import EdgeKind

HEADER = """
account A 111111111111
account B 222222222222
"""


def _edges(text: str, context: Context | None = None) -> dict[tuple[str, str, str], object]:
    model = iamdsl.loads(HEADER + text)
    return {(e.source, e.kind.value, e.target): e for e in principal_edges(model, context=context)}


def test_a_cross_account_assume_role_edge_needs_the_trust_policy_and_the_identity_side() -> None:
    edges = _edges(
        """
        role A.Deploy { trust { allow assume to account B } }
        role B.Ci { allow assume on A.Deploy }
        role B.Other
        """
    )
    assert ("B.Ci", "AssumeRole", "A.Deploy") in edges
    # the trust policy names account B, but B's own IAM never handed the right to B.Other
    assert not any(source == "B.Other" for source, _, _ in edges)


def test_no_edge_when_only_the_identity_side_allows() -> None:
    edges = _edges(
        """
        role A.Deploy { trust { allow assume to account A } }
        role B.Ci { allow assume on A.Deploy }
        """
    )
    assert ("B.Ci", "AssumeRole", "A.Deploy") not in edges


def test_an_mfa_condition_makes_the_edge_conditional_and_a_context_decides_it() -> None:
    text = """
        role A.Admin { trust { allow assume to account A when aws:MultiFactorAuthPresent is true } }
        role A.Dev { allow assume on A.Admin }
    """
    edge = _edges(text)[("A.Dev", "AssumeRole", "A.Admin")]
    assert edge.conditional
    assert [(c.operator, c.key, c.values) for c in edge.conditions] == [("Bool", "aws:MultiFactorAuthPresent", ("true",))]
    with_mfa = _edges(text, Context.of({"aws:MultiFactorAuthPresent": "true"}))[("A.Dev", "AssumeRole", "A.Admin")]
    assert not with_mfa.conditional and with_mfa.conditions == ()
    assert ("A.Dev", "AssumeRole", "A.Admin") not in _edges(text, Context.of({"aws:MultiFactorAuthPresent": "false"}))


def test_an_external_id_condition_is_carried_by_the_edge() -> None:
    edge = _edges(
        """
        role A.Vendor { trust { allow assume to account B when sts:ExternalId == "x-123" } }
        role B.Tool { allow assume on A.Vendor }
        """
    )[("B.Tool", "AssumeRole", "A.Vendor")]
    assert edge.conditional
    assert ("sts:ExternalId", ("x-123",)) in [(c.key, c.values) for c in edge.conditions]


def test_an_scp_deny_cuts_the_edge() -> None:
    edges = _edges(
        """
        organization acme o-abcdefghij {
            management A
            scp NoAssume { deny sts:AssumeRole }
            account B { attach NoAssume }
        }
        role A.Deploy { trust { allow assume to account B } }
        role B.Ci { allow assume on A.Deploy }
        """
    )
    assert ("B.Ci", "AssumeRole", "A.Deploy") not in edges


def test_an_identity_provider_edge_carries_the_oidc_claims() -> None:
    provider = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    edges = _edges(
        f"""
        role A.Ci {{
            trust {{
                allow assume_web_identity to federated "{provider}"
                    when token.actions.githubusercontent.com:sub == "repo:acme/app:ref:refs/heads/main"
            }}
        }}
        """
    )
    edge = edges[(f"oidc {provider}", "AssumeRole", "A.Ci")]
    assert edge.conditional and edge.via == "sts:AssumeRoleWithWebIdentity"
    assert [c.key for c in edge.conditions] == ["token.actions.githubusercontent.com:sub"]


PASS_ROLE = """
role A.FnAdmin {
    trust { allow assume to service lambda.amazonaws.com }
    allow s3:* on *
}
"""


def test_pass_role_to_lambda_is_an_edge_when_the_caller_can_also_create_and_invoke_a_function() -> None:
    edges = _edges(
        PASS_ROLE
        + """
        user A.eve {
            allow iam:PassRole on A.FnAdmin when iam:PassedToService == "lambda.amazonaws.com"
            allow lambda:CreateFunction, lambda:InvokeFunction on *
        }
        """
    )
    edge = edges[("A.eve", "PassRole", "A.FnAdmin")]
    assert edge.via == "lambda.amazonaws.com" and not edge.conditional
    assert {"iam:PassRole", "sts:AssumeRole", "lambda:CreateFunction", "lambda:InvokeFunction"} <= set(edge.actions)


@pytest.mark.parametrize(
    "identity",
    [
        # no launch action: passing the role alone runs nothing
        "allow iam:PassRole on A.FnAdmin",
        # PassRole only to another service
        'allow iam:PassRole on A.FnAdmin when iam:PassedToService == "ec2.amazonaws.com"\n allow lambda:* on *',
        # creating functions, but never invoking one
        "allow iam:PassRole on A.FnAdmin\n allow lambda:CreateFunction on *",
    ],
    ids=["no-launch", "other-service", "no-invoke"],
)
def test_no_pass_role_edge_without_every_action_it_needs(identity: str) -> None:
    edges = _edges(PASS_ROLE + "user A.eve {\n" + identity + "\n}\n")
    assert ("A.eve", "PassRole", "A.FnAdmin") not in edges


def test_pass_role_names_the_new_function_after_the_callers_own_pattern() -> None:
    edges = _edges(
        PASS_ROLE
        + """
        user A.eve {
            allow iam:PassRole on A.FnAdmin
            allow lambda:CreateFunction, lambda:InvokeFunction on "arn:aws:lambda:us-east-1:111111111111:function:build-*"
        }
        """
    )
    assert ("A.eve", "PassRole", "A.FnAdmin") in edges


def test_updating_a_trust_policy_is_an_edge_when_the_edited_trust_would_then_admit_the_caller() -> None:
    edges = _edges(
        """
        role A.Target { trust { allow assume to service ec2.amazonaws.com } }
        role A.Editor { allow iam:UpdateAssumeRolePolicy on A.Target }
        """
    )
    assert ("A.Editor", "UpdateAssumeRolePolicy", "A.Target") in edges


def test_updating_a_trust_policy_is_no_edge_when_an_scp_still_denies_the_assume() -> None:
    edges = _edges(
        """
        organization acme o-abcdefghij {
            management B
            scp NoAssume { deny sts:AssumeRole }
            account A { attach NoAssume }
        }
        role A.Target
        role A.Editor { allow iam:UpdateAssumeRolePolicy on A.Target }
        """
    )
    assert ("A.Editor", "UpdateAssumeRolePolicy", "A.Target") not in edges


def test_creating_an_access_key_for_another_user_is_an_edge() -> None:
    edges = _edges(
        """
        user A.admin { allow s3:* on * }
        user A.helpdesk { allow iam:CreateAccessKey on A.admin }
        """
    )
    edge = edges[("A.helpdesk", "CreateCredentials", "A.admin")]
    assert edge.via == "iam:CreateAccessKey"


def test_editing_policies_is_an_edge_to_the_edited_principal_itself_included() -> None:
    edges = _edges(
        """
        role A.SelfEditor { allow iam:PutRolePolicy on A.SelfEditor }
        policy A.Shared { allow s3:GetObject on * }
        role A.Worker { attach A.Shared }
        role A.PolicyAdmin { allow iam:CreatePolicyVersion on A.Shared }
        """
    )
    assert ("A.SelfEditor", "EditPolicy", "A.SelfEditor") in edges
    assert edges[("A.PolicyAdmin", "EditPolicy", "A.Worker")].via == "iam:CreatePolicyVersion"
    assert not EdgeKind.EDIT_POLICY.becomes  # editing alone does not let the editor act as the target


def test_iam_edges_never_cross_accounts() -> None:
    # IAM has no resource policies: B's principals cannot edit A's roles whatever their own policies say
    edges = _edges(
        """
        role A.Target
        role B.Admin { allow iam:* on * }
        """
    )
    assert not any(target == "A.Target" for _, _, target in edges)


def test_out_edges_are_asked_only_of_roles_whose_trust_could_admit_the_caller() -> None:
    model = iamdsl.loads(HEADER + "role A.Open { trust { allow assume to account B } }\nrole A.Closed\nrole B.Ci { allow assume on * }\n")
    becoming = Becoming(model)
    targets = [e.target for e in becoming.out_edges(actor_for(model, "B.Ci"))]
    assert targets == ["A.Open"]

"""VPC endpoints and their policies from `aws ec2 describe-vpc-endpoints` output.

Stage: interop (AWS CLI JSON -> endpoints of a `Model`).

A request made through an endpoint (`aws:SourceVpce` is its ID) must also
be allowed by the endpoint's policy (rulebook R51), so the import reads
each endpoint's ID, owner, VPC, tags and policy.  The rest of the output is
network configuration (subnets, route tables, DNS), which decides how
traffic flows, not whether a request is allowed; it is not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iamdsl.interop.aws_input import At, Findings, JsonFile, expect_list, expect_object, read_json, read_policy, required_string, tag_list
from iamdsl.model import Policy, PolicyKind

GONE = frozenset({"deleted", "deleting", "rejected", "failed", "expired"})  # states in which an endpoint carries no traffic


@dataclass(slots=True)
class EndpointDraft:
    id: str
    account_id: str
    at: At
    vpc: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    policy: Policy | None = None
    failed: bool = False  # its policy could not be read, and said why


def read_endpoints(path: str, findings: Findings, files: dict[str, JsonFile]) -> list[EndpointDraft]:
    file = read_json(path, findings)
    if file is None:
        return []
    files[file.name] = file
    data = expect_object(file.data, file.root, findings, "the output of `aws ec2 describe-vpc-endpoints`")
    if data is None:
        return []
    if "VpcEndpoints" not in data:
        findings.error(
            "E050", "this is not the output of `aws ec2 describe-vpc-endpoints`: `VpcEndpoints` is missing", file.root,
            help="give --endpoints the output of `aws ec2 describe-vpc-endpoints`, once per region",
        )
        return []
    if data.get("NextToken"):
        findings.error("E050", "the output is truncated (it has a NextToken)", file.root / "NextToken", help="run the command without --max-items or --no-paginate")
    drafts: list[EndpointDraft] = []
    listed = expect_list(data["VpcEndpoints"], file.root / "VpcEndpoints", findings, "a list of endpoints")
    if listed is None:
        return []
    for index, item in enumerate(listed):
        at = file.root / "VpcEndpoints" / index
        entry = expect_object(item, at, findings, "a VPC endpoint")
        if entry is None:
            continue
        endpoint_id = required_string(entry, "VpcEndpointId", at, findings)
        owner = required_string(entry, "OwnerId", at, findings)
        if endpoint_id is None or owner is None:
            continue
        if not (len(owner) == 12 and owner.isdigit()):
            findings.error("E050", f"`{owner}` is not an account ID", at / "OwnerId", help="give the output as the AWS CLI printed it")
            continue
        state = str(entry.get("State", "available")).lower()
        if state in GONE:
            findings.warning("W120", f"the endpoint {endpoint_id} is {state}, and carries no requests: left out", at / "State")
            continue
        draft = EndpointDraft(endpoint_id, owner, at, vpc=entry.get("VpcId") if isinstance(entry.get("VpcId"), str) else None)
        if "Tags" in entry:
            draft.tags = tag_list(entry["Tags"], at / "Tags", findings)
        if entry.get("PolicyDocument") not in (None, ""):
            draft.policy = read_policy(entry["PolicyDocument"], at / "PolicyDocument", findings, name="policy", kind=PolicyKind.ENDPOINT)
            draft.failed = draft.policy is None
        drafts.append(draft)
    return drafts

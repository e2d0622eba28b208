"""AWS CLI output -> one model: the import behind `iamdsl import authz`.

Stage: interop (AWS CLI JSON files -> `Model`; `aws_output.py` then writes it as `.iam` text).

The readers (`authz.py`, `resource_policies.py`, `org_import.py`, `endpoints.py`) each turn
one kind of CLI output into parts of a model.  This module runs them in the
order the names need: first every input is read and every account it
mentions is known by ID (an authorization-details file by its ARNs,
`ACCOUNT_ID=FILE`, or the `caller-identity.json` beside it:
`caller_identity.py`), then the accounts are named (docs/import.md:
`--account-names`, the organization's names, or `acct_ID`), then the parts
are built under those names and put together.

Every finding of every file is collected before anything fails, and comes
out as one `IamdslError` whose diagnostics name the file, the line and
column, and the JSON path.

    model = load_aws(["authz.json"], resources="index.json", org="org/")
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from iamdsl.interop import authz as authz_reader
from iamdsl.interop import caller_identity
from iamdsl.interop.aws_input import At, Findings, JsonFile, format_path, identifier, read_json
from iamdsl.interop.endpoints import EndpointDraft, read_endpoints
from iamdsl.interop.org_import import OrgDraft, read_org
from iamdsl.interop.resource_policies import ResourceDraft, read_index
from iamdsl.language.errors import Diagnostic, IamdslError, Severity
from iamdsl.language.resolve import Resolver
from iamdsl.model import Account, Endpoint, IdentityEntity, ManagedPolicy, Model, Resource, Verb

PathLike = str | os.PathLike[str]
_GIVEN_ACCOUNT = re.compile(r"(\d+)=(.+)\Z", re.S)  # ACCOUNT_ID=FILE
RESERVED = {"aws": "aws_account"}  # `aws` is the account of AWS-managed policies


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The imported model, the warnings found on the way, and what was imported."""

    model: Model
    diagnostics: tuple[Diagnostic, ...]  # warnings only: errors raise
    sources: dict[str, str]  # the text of every file read, to draw the diagnostics
    summary: dict[str, int]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


def load_aws(
    authz: Sequence[PathLike],
    *,
    resources: PathLike | None = None,
    org: PathLike | None = None,
    endpoints: Sequence[PathLike] = (),
    account_names: Mapping[str, str] | None = None,
) -> Model:
    """Import AWS CLI output into a model; raises IamdslError with every finding on bad input."""
    return import_aws(authz, resources=resources, org=org, endpoints=endpoints, account_names=account_names).model


def import_aws(
    authz: Sequence[PathLike],
    *,
    resources: PathLike | None = None,
    org: PathLike | None = None,
    endpoints: Sequence[PathLike] = (),
    account_names: Mapping[str, str] | None = None,
) -> ImportResult:
    """Import AWS CLI output into a model, with the warnings and a summary (docs/import.md).

    `authz`: `aws iam get-account-authorization-details` outputs, one per
    account, each a path or `"ACCOUNT_ID=PATH"` (the account of a file whose
    ARNs do not say it; a `caller-identity.json` beside the file does the
    same); `resources`: an index of resource ARNs to their CLI outputs;
    `org`: a directory of `aws organizations` outputs; `endpoints`:
    `aws ec2 describe-vpc-endpoints` outputs; `account_names`: ID -> name.
    """
    return _Import(account_names or {}).run(
        [os.fspath(p) for p in authz],
        os.fspath(resources) if resources else None,
        os.fspath(org) if org else None,
        [os.fspath(p) for p in endpoints],
    )


class _Import:
    def __init__(self, account_names: Mapping[str, str]):
        self.findings = Findings()
        self.files: dict[str, JsonFile] = {}
        self.given_names = dict(account_names)
        self.names: dict[str, str] = {}  # account ID -> name
        self.partitions: dict[str, str] = {}  # partition -> where it was first seen
        self.counts: Counter = Counter()
        self.identities: dict[str, caller_identity.Identity | None] = {}  # caller-identity.json files, by path

    def run(self, authz_args: list[str], index: str | None, org_dir: str | None, endpoint_paths: list[str]) -> ImportResult:
        f = self.findings
        authz_paths = [found for found in map(self._authz_argument, authz_args) if found is not None]
        sources: list[tuple[JsonFile, dict, str | None, str]] = []  # (file, data, partition if known, account ID)
        owners: dict[str, str] = {}  # account ID -> its file
        for given_id, path in authz_paths:
            file = read_json(path, f)
            if file is None:
                continue
            self.files[file.name] = file
            data = authz_reader.top_level(file, f)
            found = self._account_of(file, data, given_id) if data is not None else None
            if found is None:
                continue
            partition, account_id = found
            if account_id in owners:
                f.error(
                    "E051",
                    f"the account {account_id} is already imported from {owners[account_id]}",
                    file.root,
                    help="give each account's authorization details once",
                )
                continue
            owners[account_id] = file.name
            if partition is not None:
                self._partition(partition, file.name)
            sources.append((file, data, partition, account_id))
        org_draft = read_org(org_dir, f, self.files) if org_dir is not None else None
        if org_draft is not None:
            self._partition(org_draft.partition, os.path.join(org_dir or "", "list-roots.json"))
        drafts = read_index(index, f, self.files) if index is not None else []
        for draft in drafts:
            self._partition(draft.arn.split(":")[1], draft.at.file)
        endpoint_drafts = [d for path in endpoint_paths for d in read_endpoints(path, f, self.files)]
        modelled = list(owners)
        self._resource_accounts(drafts, modelled)
        self._name_accounts(modelled, org_draft, drafts, endpoint_drafts)

        principals: dict[str, IdentityEntity] = {}
        managed: dict[str, ManagedPolicy] = {}
        aws_managed: dict[str, tuple[ManagedPolicy, At]] = {}
        known_partition = next(iter(self.partitions), "aws")  # for a file named only by ACCOUNT_ID=FILE, which has no ARN
        for file, data, partition, account_id in sources:
            part = authz_reader.read_authz(
                file, data, account=self.names[account_id], account_id=account_id, partition=partition or known_partition,
                aws_managed=aws_managed, findings=f,
            )
            principals.update(part.principals)
            managed.update(part.managed)
            self.counts.update(part.counts)
        managed.update({arn: policy for arn, (policy, _) in aws_managed.items()})
        self.counts["AWS-managed policies"] = len(aws_managed)
        partition = known_partition
        resources = self._resources(drafts, partition, principals, managed)
        endpoints = self._endpoints(endpoint_drafts, set(principals) | set(resources) | {f"{m.account}.{m.name}" for m in managed.values()})
        organizations = {}
        if org_draft is not None:
            organization = org_draft.build(lambda account_id: self.names[account_id])
            organizations[organization.name] = organization
            self.counts["SCPs"] = len(organization.scps) - 1
            self.counts["RCPs"] = len(organization.rcps) - 1
        accounts = {
            name: Account(name=name, id=account_id, external=account_id not in owners)
            for account_id, name in self.names.items()
        }
        sources_text = f.sources
        diagnostics = f.diagnostics()
        if f.has_errors:
            raise IamdslError(diagnostics, sources_text)
        model = Model(
            partition=partition,
            accounts=accounts,
            principals=principals,
            resources=resources,
            managed_policies=managed,
            endpoints=endpoints,
            organizations=organizations,
            verbs=_prelude_verbs(),
        )
        self.counts["accounts"] = len(accounts)
        self.counts["organizations"] = len(organizations)
        self.counts["statements"] = model.statement_count()
        return ImportResult(model, tuple(sorted(diagnostics, key=lambda d: d.sort_key)), sources_text, dict(self.counts))

    # ---------------------------------------------------------------- which account a file is
    def _authz_argument(self, text: str) -> tuple[str | None, str] | None:
        """`ACCOUNT_ID=FILE` -> (the ID, the file); a plain path (or a file really called so) -> (None, it)."""
        match = _GIVEN_ACCOUNT.match(text)
        if match is None or os.path.exists(text):
            return None, text
        account_id, path = match.groups()
        if len(account_id) != 12:
            self.findings.plain.append(
                Diagnostic(
                    "E002",
                    f"cannot read `{text}`: there is no such file, and `{account_id}` is not an account ID (12 digits)",
                    None,
                    help="ACCOUNT_ID=FILE names the account of an authorization-details file, such as 111111111111=authz.json",
                )
            )
            return None
        return account_id, path

    def _account_of(self, file: JsonFile, data: dict, given_id: str | None) -> tuple[str | None, str] | None:
        """(partition if known, account ID) of an authorization-details file (docs/import.md, Which account).

        Three things may say it: the ARNs in the file, `ACCOUNT_ID=FILE` on the
        command line, and a `caller-identity.json` beside the file.  Whatever
        says it must agree; the file is refused when nothing does.
        """
        f = self.findings
        in_arns = authz_reader.account_in_arns(file, data)
        beside = caller_identity.beside(file.name)
        said = self._caller_identity(beside) if beside is not None else None
        if beside is not None and said is None:
            return None  # the caller identity is broken, and said why
        if in_arns is not None:
            if given_id is not None and given_id != in_arns.account_id:
                f.error(
                    "E051",
                    f"the file was given as the account {given_id} ({given_id}={file.name}), but `{in_arns.arn}` is in the account {in_arns.account_id}",
                    in_arns.at,
                    help="ACCOUNT_ID=FILE must name the account the file's ARNs are in",
                )
                return None
            if said is not None and said.account_id != in_arns.account_id:
                f.error(
                    "E051",
                    f"this caller identity is of the account {said.account_id}, but `{file.name}` beside it is of the account "
                    f"{in_arns.account_id} (`{in_arns.arn}` at {format_path(in_arns.at.path)})",
                    said.at,
                    help=f"{caller_identity.NAME} says which account the authorization details in its directory are: "
                    "keep each account's files in a directory of their own",
                )
                return None
            return in_arns.partition, in_arns.account_id
        if said is not None:
            if given_id is not None and given_id != said.account_id:
                f.error(
                    "E051",
                    f"this caller identity is of the account {said.account_id}, but `{file.name}` beside it was given as the account {given_id}",
                    said.at,
                    help=f"ACCOUNT_ID=FILE and the {caller_identity.NAME} beside the file must name the same account",
                )
                return None
            return said.partition, said.account_id
        if given_id is not None:
            return None, given_id
        f.error(
            "E050",
            "nothing says which account this is: the file has no role, user, group or customer-managed policy (whose ARNs "
            f"would say it), and there is no {caller_identity.NAME} beside it",
            file.root,
            help=f"save `{caller_identity.COMMAND}`, run with the same credentials, as {caller_identity.NAME} in the file's "
            "directory, or give the file as ACCOUNT_ID=FILE",
        )
        return None

    def _caller_identity(self, path: str) -> caller_identity.Identity | None:
        """Read once, however many authorization-details files share the directory."""
        if path not in self.identities:
            self.identities[path] = caller_identity.read_caller_identity(path, self.findings, self.files)
        return self.identities[path]

    # ---------------------------------------------------------------- partitions and accounts
    def _partition(self, partition: str, where: str) -> None:
        if self.partitions and partition not in self.partitions:
            first, seen = next(iter(self.partitions.items()))
            self.findings.plain.append(
                Diagnostic("E051", f"`{where}` is in the partition {partition}, and `{seen}` in {first}; one model holds one partition", None)
            )
        self.partitions.setdefault(partition, where)

    def _resource_accounts(self, drafts: list[ResourceDraft], modelled: list[str]) -> None:
        """An ARN without an account (an S3 bucket) belongs to the one imported account, or must say whose it is."""
        for draft in drafts:
            if draft.account_id is not None:
                continue
            if len(modelled) == 1:
                draft.account_id = modelled[0]
                continue
            self.findings.error(
                "E051",
                f"`{draft.arn}` names no account, and {len(modelled)} accounts are imported: which one owns it is not known",
                draft.at,
                help='say it in the index: {"Account": "111111111111", "Files": […]}',
            )

    def _name_accounts(self, modelled: list[str], org: OrgDraft | None, drafts: list[ResourceDraft], endpoints: list[EndpointDraft]) -> None:
        """Name every account the data mentions (docs/import.md, Account names)."""
        known: list[str] = list(modelled)
        aws_names: dict[str, str] = {}
        if org is not None:
            aws_names = org.account_names
            known += [org.management_id, *_tree_accounts(org)]
        known += [d.account_id for d in drafts if d.account_id is not None]
        known += [d.account_id for d in endpoints]
        known = list(dict.fromkeys(known))
        self._check_given_names(known)
        taken = set(self.given_names.values()) | set(RESERVED)
        chosen: dict[str, str] = {}
        for account_id in sorted(known):  # in ID order, so that `_2` goes to the same account every time
            if account_id in self.given_names:
                continue
            base = identifier(aws_names[account_id], fallback=f"acct_{account_id}", lower=True) if account_id in aws_names else f"acct_{account_id}"
            base = RESERVED.get(base, base)
            name, number = base, 2
            while name in taken:
                name, number = f"{base}_{number}", number + 1
            taken.add(name)
            chosen[account_id] = name
        self.names = {account_id: self.given_names.get(account_id) or chosen[account_id] for account_id in known}

    def _check_given_names(self, known: list[str]) -> None:
        seen: dict[str, str] = {}
        for account_id, name in list(self.given_names.items()):
            problem = None
            if account_id not in known:
                problem = f"--account-names names the account {account_id}, which is not in the data"
            elif identifier(name, fallback="") != name:
                problem = f"`{name}` is not a DSL name: use letters, digits, `_` and `-`, starting with a letter"
            elif name in RESERVED:
                problem = f"`{name}` is reserved for AWS-managed policies"
            elif name in seen:
                problem = f"--account-names gives the name `{name}` to both {seen[name]} and {account_id}"
            if problem:
                self.findings.plain.append(Diagnostic("E051", problem, None, help="--account-names takes ID=NAME pairs, such as 111111111111=prod"))
                del self.given_names[account_id]
                continue
            seen[name] = account_id

    # ---------------------------------------------------------------- resources
    def _resources(self, drafts: list[ResourceDraft], partition: str, principals: dict, managed: dict) -> dict[str, Resource]:
        taken = set(principals) | {f"{m.account}.{m.name}" for m in managed.values()}
        resources: dict[str, Resource] = {}
        default_region = Model.model_fields["region"].default
        for draft in drafts:
            if draft.account_id is None or draft.account_id not in self.names:
                continue
            if draft.policy_at is not None and draft.policy is None:
                continue  # its document failed, and said why
            account = self.names[draft.account_id]
            base = draft.name or _name_from_arn(draft.arn)
            name, number = base, 2
            while f"{account}.{name}" in taken:
                name = f"{base}_{number}"
                number += 1
            taken.add(f"{account}.{name}")
            fields = draft.arn.split(":", 5)
            info = Resolver._type_of_arn(draft.arn)
            region = (fields[3] or default_region) if (info is None or info.needs_region) else None
            resources[f"{account}.{name}"] = Resource(
                account=account,
                name=name,
                arn=draft.arn,
                service=fields[2],
                type=info.name if info else None,
                region=region,
                tags=draft.tags,
                policy=draft.policy,
                mechanisms=tuple(draft.mechanisms),
            )
        self.counts["resources"] = len(resources)
        self.counts["resource policies"] = sum(1 for r in resources.values() if r.policy is not None)
        return resources


    def _endpoints(self, drafts: list[EndpointDraft], taken: set[str]) -> dict[str, Endpoint]:
        endpoints: dict[str, Endpoint] = {}
        for draft in drafts:
            if draft.failed or draft.account_id not in self.names:
                continue
            account = self.names[draft.account_id]
            name, number = draft.id, 2
            while f"{account}.{name}" in taken:
                name, number = f"{draft.id}_{number}", number + 1
            taken.add(f"{account}.{name}")
            endpoints[f"{account}.{name}"] = Endpoint(account=account, name=name, id=draft.id, vpc=draft.vpc, tags=draft.tags, policy=draft.policy)
        self.counts["endpoints"] = len(endpoints)
        return endpoints


def _tree_accounts(org: OrgDraft) -> list[str]:
    found: list[str] = []
    stack = [org.root]
    while stack:
        unit = stack.pop(0)
        found += unit.accounts
        stack += unit.children
    return found


def _name_from_arn(arn: str) -> str:
    """`key/1234…` -> `1234…`, `function:app` -> `app`, `acme-logs` -> `acme-logs`: the ID after the type word."""
    resource = arn.split(":", 5)[5]
    cut = min((i for i in (resource.find("/"), resource.find(":")) if i != -1), default=-1)
    rest = resource[cut + 1 :] if cut != -1 else resource
    return rest or resource or "resource"


@functools.lru_cache(maxsize=1)
def _prelude_verbs() -> dict[str, Verb]:
    """The shipped verbs, which every loaded model holds, so that the import equals its own reload."""
    from iamdsl.language.loader import load_text

    return dict(load_text("", "<prelude>").model.verbs)

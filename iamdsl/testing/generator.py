"""The one generator of synthetic organizations, for benchmarks and tests.

Stage: test support (nothing in the pipeline imports it).

`write_org(directory, statements=100_000, seed=1)` writes the `.iam` files of
an organization (`accounts=` and `sizes=` shape it; `write_scale_org` writes the
graph benchmarks' 200 accounts, 20,000 roles and 50,000 resources): a management account and OUs, member accounts with roles,
users, groups, resources of several types, managed policies and boundaries,
SCPs and RCPs, cross-account grants and delegations.  `org_text` returns the
same organization as one text, and `strategies.models()` draws small ones for
hypothesis from the same building blocks (`vocabulary.py`).

The size is counted in DSL statements: the `allow` and `deny` statements
written, wherever they stand (identity blocks, inline and managed policies,
trust policies, boundaries, resource and endpoint policies, SCPs and RCPs).
Exactly that many are written.  `delegate` lines are extra and not counted
(each one writes two IAM statements); IAM statements after verb expansion,
`Model.statement_count()`, are more again, because a verb may split.

The output is deterministic for a seed, and loads without errors or warnings.
With several files, `main.iam` declares the accounts and the organization and
`include`s the parts, which hold the accounts' principals and resources; the
content does not depend on how it is split.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from iamdsl.testing import vocabulary as v
from iamdsl.testing.vocabulary import AccountPlan, Picker, ResourcePlan, World

STATEMENTS_PER_ACCOUNT = 50
STATEMENTS_PER_FILE = 10_000  # for `files=None`
MAIN_FILE = "main.iam"
ORG_NAME = "acme"
INDENT = "    "


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many of each thing an account declares (both ends included)."""

    roles: tuple[int, int] = (3, 7)
    users: tuple[int, int] = (0, 3)
    groups: tuple[int, int] = (0, 2)
    resources: tuple[int, int] = (2, 6)
    policies: tuple[int, int] = (0, 2)
    boundary: float = 0.3  # chance of a boundary policy
    endpoint: float = 0.1  # chance of a VPC endpoint
    delegation: float = 0.2  # chance of a `delegate` line
    external: int = 2  # external accounts in the whole org

    def __post_init__(self) -> None:
        if self.roles[0] < 1:
            raise ValueError("every account needs a role, so that its share of the statements has a place")


LARGE = Sizes()
SMALL = Sizes(roles=(1, 2), users=(0, 1), groups=(0, 1), resources=(0, 2), policies=(0, 1), boundary=0.3, endpoint=0.2, delegation=0.3, external=1)

# The scale organization of the graph benchmarks (issue #6): 200 accounts, exactly 20,000 roles and
# 50,000 resources, a few users and groups, and SCALE_STATEMENTS DSL statements spread over them.
SCALE_ACCOUNTS = 200
SCALE = Sizes(roles=(100, 100), users=(0, 2), groups=(0, 1), resources=(250, 250), policies=(2, 4), boundary=0.3, endpoint=0.1, delegation=0.5, external=2)
SCALE_STATEMENTS = 150_000


@dataclass(slots=True)
class Section:
    """A place that holds statements; `count` is how many the budget gave it."""

    kind: str  # identity, inline, trust, managed, boundary, resource, endpoint, scp, rcp
    weight: int
    count: int = 0


@dataclass(slots=True)
class _Entity:
    kind: str  # role, user, group
    name: str
    body: Section
    trust: Section | None = None
    inline: Section | None = None
    path: str = "/"
    tags: dict[str, str] = field(default_factory=dict)
    attach: list[str] = field(default_factory=list)
    boundary: bool = False
    member_of: list[str] = field(default_factory=list)


class _Org:
    """Plans an organization from a Picker, then renders it: plan first, so any statement may name anything."""

    def __init__(self, pick: Picker, statements: int, accounts: int, sizes: Sizes) -> None:
        self.pick = pick
        self.sizes = sizes
        org_id = f"o-{pick.between(0, 16**10 - 1):010x}"
        names = ["management"] + [f"acct{i:04d}" for i in range(1, accounts)]
        external = [f"partner{i}" for i in range(1, sizes.external + 1)]
        self.world = World(org_id, [self._plan_account(i, name) for i, name in enumerate(names)], external)
        self.org_sections: list[Section] = []
        self.entities: dict[str, list[_Entity]] = {}
        self.resource_sections: dict[str, list[Section]] = {}
        self.policy_sections: dict[str, list[Section]] = {}
        self.boundary_sections: dict[str, Section] = {}
        self.endpoint_sections: dict[str, Section] = {}
        self._budget(statements)

    # ------------------------------------------------------------ planning
    def _plan_account(self, index: int, name: str) -> AccountPlan:
        pick, sizes = self.pick, self.sizes
        account_id = None if index and pick.chance(0.1) else str(100_000_000_000 + index)
        plan = AccountPlan(name, account_id)
        plan.roles = _names(v.ROLE_WORDS, pick.between(*sizes.roles), pick)
        plan.users = _names(v.USER_WORDS, pick.between(*sizes.users), pick)
        plan.groups = _names(v.GROUP_WORDS, pick.between(*sizes.groups), pick) if plan.users else []
        words: set[str] = set()
        for _ in range(pick.between(*sizes.resources)):
            kind = pick.choice(v.RESOURCE_KINDS)
            word = _unique(pick.choice(kind.words), words)
            plan.resources.append(ResourcePlan(name, word, kind))
        plan.policies = _names(v.POLICY_WORDS, pick.between(*sizes.policies), pick)
        plan.boundary = "Boundary" if pick.chance(sizes.boundary) else None
        return plan

    def _budget(self, statements: int) -> None:
        """Share the statements out: a little to the org's SCPs and RCPs, the rest to the accounts."""
        pick = self.pick
        org_share = min(statements // 40, 60) if len(self.world.accounts) > 1 else 0
        for index in range(math.ceil(org_share / 3)):
            self.org_sections.append(Section("scp" if index % 3 else "rcp", 1))
        _spread(pick, self.org_sections, org_share)
        rest = statements - sum(s.count for s in self.org_sections)
        accounts = self.world.accounts
        for index, plan in enumerate(accounts):
            quota = (index + 1) * rest // len(accounts) - index * rest // len(accounts)
            _spread(pick, self._account_sections(plan), quota)

    def _account_sections(self, plan: AccountPlan) -> list[Section]:
        pick = self.pick
        sections: list[Section] = []
        entities: list[_Entity] = []
        attachable = [f"{plan.name}.{p}" for p in plan.policies]
        for role in plan.roles:
            entity = _Entity("role", role, Section("identity", 4), trust=Section("trust", 1), path=pick.choice(v.ROLE_PATHS))
            if pick.chance(0.25):
                entity.inline = Section("inline", 2)
            entities.append(entity)
        for user in plan.users:
            entity = _Entity("user", user, Section("identity", 2), path=pick.choice(v.USER_PATHS))
            if plan.groups and pick.chance(0.7):
                entity.member_of = [f"{plan.name}.{g}" for g in v.pick_some(pick, plan.groups, 2)]
            entities.append(entity)
        for group in plan.groups:
            entities.append(_Entity("group", group, Section("identity", 2)))
        for entity in entities:
            if pick.chance(0.4):
                entity.tags = {"team": pick.choice(v.TEAMS), "env": pick.choice(v.ENVIRONMENTS)}
            if attachable and pick.chance(0.4):
                entity.attach = v.pick_some(pick, attachable, 2)
            entity.boundary = plan.boundary is not None and entity.kind != "group" and pick.chance(0.5)
            sections.extend(s for s in (entity.body, entity.trust, entity.inline) if s is not None)
        self.entities[plan.name] = entities
        self.resource_sections[plan.name] = [Section("resource", 2) for _ in plan.resources]
        self.policy_sections[plan.name] = [Section("managed", 2) for _ in plan.policies]
        sections += self.resource_sections[plan.name] + self.policy_sections[plan.name]
        if plan.boundary:
            sections.append(self.boundary_sections.setdefault(plan.name, Section("boundary", 1)))
        if pick.chance(self.sizes.endpoint):
            sections.append(self.endpoint_sections.setdefault(plan.name, Section("endpoint", 1)))
        return sections

    # ------------------------------------------------------------ rendering
    def main_text(self, includes: list[str]) -> str:
        lines = [
            "# A synthetic organization written by iamdsl.testing.generator.",
            "",
            "region us-east-1",
            "",
        ]
        for index, name in enumerate(self.world.external):
            lines.append(f"account {name} {999_000_000_000 + index} external")
        for plan in self.world.accounts:
            lines.append(self._account_line(plan))
        lines.append("")
        lines.extend(self._organization())
        if includes:
            lines.append("")
            lines.extend(f'include "{name}"' for name in includes)
        return "\n".join(lines) + "\n"

    def _account_line(self, plan: AccountPlan) -> str:
        line = f"account {plan.name}" + (f" {plan.id}" if plan.id else "")
        if self.pick.chance(0.3):
            line += f' {{ tags {{ env = "{self.pick.choice(v.ENVIRONMENTS)}", "cost-center" = "cc-{self.pick.between(100, 999)}" }} }}'
        return line

    def _organization(self) -> list[str]:
        pick, world = self.pick, self.world
        lines = [f"organization {ORG_NAME} {world.org_id} {{", f"{INDENT}management {world.accounts[0].name}", f"{INDENT}features all"]
        names: list[str] = []
        for index, section in enumerate(self.org_sections):
            name = f"{'Scp' if section.kind == 'scp' else 'Rcp'}{index:03d}"
            names.append(name)
            write = v.scp_statement if section.kind == "scp" else v.rcp_statement
            lines.extend(_block(f"{section.kind} {name}", [write(pick, world) for _ in range(section.count)], INDENT))
        if names and pick.chance(0.5):
            lines.append(f"{INDENT}attach {pick.choice(names)}")
        members = [a.name for a in world.accounts[1:]]
        units = max(1, round(math.sqrt(len(members))))
        for unit in range(units):
            chunk = members[unit * len(members) // units : (unit + 1) * len(members) // units]
            if not chunk:
                continue
            lines.append(f"{INDENT}ou {pick.choice(('workloads', 'sandbox', 'security', 'shared'))}{unit} {{")
            if names and pick.chance(0.5):
                lines.append(f"{INDENT * 2}attach {', '.join(v.pick_some(pick, names, 2))}")
            special = chunk[0] if names and pick.chance(0.3) else None
            plain = [a for a in chunk if a != special]
            if plain:
                lines.append(f"{INDENT * 2}account {', '.join(plain)}")
            if special:
                detach = f" detach {_FULL_ACCESS}" if pick.chance(0.3) else ""
                lines.append(f"{INDENT * 2}account {special} {{ attach {pick.choice(names)}{detach} }}")
            lines.append(f"{INDENT}}}")
        lines.append("}")
        return lines

    def account_text(self, plan: AccountPlan) -> str:
        """Every principal, resource and policy of one account, and its delegations."""
        pick, world = self.pick, self.world
        lines = [f"# ---- {plan.name}"]
        for name, section in zip(plan.policies, self.policy_sections[plan.name]):
            body = [v.identity_statement(pick, world, plan) for _ in range(section.count)]
            lines.extend(_block(f"policy {plan.name}.{name}", body, "", empty="{ }"))
        if plan.boundary:
            section = self.boundary_sections[plan.name]
            body = [v.boundary_statement(pick) for _ in range(section.count)]
            lines.extend(_block(f"policy {plan.name}.{plan.boundary}", body, "", empty="{ }"))
        for entity in self.entities[plan.name]:
            lines.extend(self._entity(plan, entity))
        for resource, section in zip(plan.resources, self.resource_sections[plan.name]):
            lines.extend(self._resource(plan, resource, section))
        if plan.name in self.endpoint_sections:
            section = self.endpoint_sections[plan.name]
            head = f'endpoint {plan.name}.gateway "vpce-{pick.between(0, 0xFFFFFFF):07x}"'
            body = [f'vpc "vpc-{pick.between(0, 0xFFFFF):05x}"'] + [v.endpoint_statement(pick, world, plan) for _ in range(section.count)]
            lines.extend(_block(head, body, ""))
        if pick.chance(self.sizes.delegation):
            lines.extend(self._delegation(plan))
        return "\n".join(lines) + "\n"

    def _entity(self, plan: AccountPlan, entity: _Entity) -> list[str]:
        pick, world = self.pick, self.world
        body: list[str] = []
        if entity.path != "/":
            body.append(f'path "{entity.path}"')
        if entity.tags:
            body.append("tags { " + ", ".join(f'{k} = "{value}"' for k, value in entity.tags.items()) + " }")
        if entity.member_of:
            body.append(f"member of {', '.join(entity.member_of)}")
        if entity.attach:
            body.append(f"attach {', '.join(entity.attach)}")
        if entity.boundary:
            body.append(f"boundary {plan.name}.{plan.boundary}")
        if entity.trust is not None and entity.trust.count:
            body.extend(_block("trust", [v.trust_statement(pick, world, plan) for _ in range(entity.trust.count)], ""))
        body.extend(v.identity_statement(pick, world, plan) for _ in range(entity.body.count))
        if entity.inline is not None and entity.inline.count:
            inline = [v.identity_statement(pick, world, plan) for _ in range(entity.inline.count)]
            body.extend(_block(f'policy "{pick.choice(v.POLICY_WORDS)}Inline"', inline, ""))
        return _block(f"{entity.kind} {plan.name}.{entity.name}", body, "", empty=None)

    def _resource(self, plan: AccountPlan, resource: ResourcePlan, section: Section) -> list[str]:
        pick = self.pick
        head = f"resource {resource.ref} : {resource.kind.type} \"{_resource_value(pick, plan, resource)}\""
        if resource.kind.service != "s3" and pick.chance(0.2):
            head += f" in {pick.choice(v.REGIONS)}"
        body: list[str] = []
        if pick.chance(0.3):
            body.append(f'tags {{ env = "{pick.choice(v.ENVIRONMENTS)}", team = "{pick.choice(v.TEAMS)}" }}')
        body.extend(v.resource_statement(pick, self.world, plan, resource) for _ in range(section.count))
        return _block(head, body, "", empty=None)

    def _delegation(self, plan: AccountPlan) -> list[str]:
        """`delegate VERB on R to P`, from this account's resource to a role elsewhere (not counted)."""
        pick = self.pick
        if not plan.resources:
            return []
        resource = pick.choice(plan.resources)
        role = self.world.some_role(pick, plan, cross=True)
        if role is None:
            return []
        return [f"delegate {pick.choice(resource.kind.verbs)} on {resource.ref} to {role}"]


_FULL_ACCESS = "FullAWSAccess"


def _names(words: tuple[str, ...], count: int, pick: Picker) -> list[str]:
    chosen: list[str] = []
    taken: set[str] = set()
    for _ in range(count):
        chosen.append(_unique(pick.choice(words), taken))
    return chosen


def _unique(word: str, taken: set[str]) -> str:
    """`word`, or `word2`, `word3`, … : the first one not taken yet, which it then takes (a set: hundreds per account)."""
    candidate, number = word, 2
    while candidate in taken:
        candidate, number = f"{word}{number}", number + 1
    taken.add(candidate)
    return candidate


def _spread(pick: Picker, sections: list[Section], total: int) -> None:
    """Give `total` statements to `sections`, each statement to a section drawn by weight."""
    if not sections:
        return
    weighted = [s for s in sections for _ in range(s.weight)]
    for _ in range(total):
        pick.choice(weighted).count += 1


def _block(head: str, body: list[str], indent: str, empty: str | None = "{ }") -> list[str]:
    """`head { body }` as lines; with no body, `head { }`, or the bare head when `empty` is None."""
    if not body:
        return [f"{indent}{head} {empty}" if empty else f"{indent}{head}"]
    inner = indent + INDENT
    return [f"{indent}{head} {{", *(inner + line for line in body), f"{indent}}}"]


def _resource_value(pick: Picker, plan: AccountPlan, resource: ResourcePlan) -> str:
    if resource.kind.service == "s3":
        return f"acme-{plan.name}-{resource.name}".lower()
    if resource.kind.service == "kms":
        return f"{pick.between(0, 0xFFFFFFFF):08x}-{pick.between(0, 0xFFFF):04x}-4{pick.between(0, 0xFFF):03x}-8{pick.between(0, 0xFFF):03x}-{pick.between(0, 0xFFFFFFFFFFFF):012x}"
    if resource.kind.service == "ecr":
        return f"{pick.choice(v.TEAMS)}/{resource.name}"
    return f"{plan.name}-{resource.name}"


# ---------------------------------------------------------------- the public face


def _accounts_for(statements: int) -> int:
    return max(2, math.ceil(statements / STATEMENTS_PER_ACCOUNT))


def _files_for(statements: int, files: int | None) -> int:
    if files is None:
        return 1 if statements <= STATEMENTS_PER_FILE else 1 + math.ceil(statements / STATEMENTS_PER_FILE)
    return files


def render(pick: Picker, statements: int, accounts: int, sizes: Sizes = LARGE, files: int = 1) -> dict[str, str]:
    """The files of one organization, by name, main file first (the strategies' entry point too)."""
    if statements < 0:
        raise ValueError("statements must not be negative")
    if files < 1:
        raise ValueError("files must be at least 1")
    org = _Org(pick, statements, accounts, sizes)
    chunks = [org.account_text(plan) for plan in org.world.accounts]
    if files == 1:
        return {MAIN_FILE: org.main_text([]) + "\n" + "\n".join(chunks)}
    parts = files - 1
    names = [f"part-{index + 1:03d}.iam" for index in range(parts)]
    found = {MAIN_FILE: org.main_text(names)}
    for index, name in enumerate(names):
        share = chunks[index * len(chunks) // parts : (index + 1) * len(chunks) // parts]
        found[name] = "".join(share) if share else "# nothing in this part\n"
    return found


def org_files(
    statements: int, *, seed: int = 0, files: int | None = None, accounts: int | None = None, sizes: Sizes = LARGE
) -> dict[str, str]:
    """The files `write_org` writes, by name: `main.iam` first, then `part-NNN.iam`.

    `files=None` writes one file up to 10,000 statements, and otherwise a main
    file plus one part per 10,000.  `accounts=None` gives one account per 50
    statements; `sizes` says how many principals and resources each declares.
    """
    count = _accounts_for(statements) if accounts is None else accounts
    if count < 1:
        raise ValueError("accounts must be at least 1")
    return render(v.RandomPicker(seed), statements, count, sizes, _files_for(statements, files))


def org_text(statements: int, *, seed: int = 0, accounts: int | None = None, sizes: Sizes = LARGE) -> str:
    """A whole organization with exactly `statements` DSL statements, as one text."""
    return org_files(statements, seed=seed, files=1, accounts=accounts, sizes=sizes)[MAIN_FILE]


def write_org(
    directory: str | os.PathLike[str], *, statements: int, seed: int = 0, files: int | None = None,
    accounts: int | None = None, sizes: Sizes = LARGE,
) -> list[Path]:
    """Write an organization's `.iam` files into `directory`; the first path is the main file to load."""
    return _write(directory, org_files(statements, seed=seed, files=files, accounts=accounts, sizes=sizes))


def scale_org_files(*, seed: int = 0, statements: int = SCALE_STATEMENTS, files: int | None = None) -> dict[str, str]:
    """The scale organization (`SCALE`): 200 accounts, 20,000 roles, 50,000 resources, deterministic for a seed."""
    return org_files(statements, seed=seed, files=files, accounts=SCALE_ACCOUNTS, sizes=SCALE)


def write_scale_org(directory: str | os.PathLike[str], *, seed: int = 0, statements: int = SCALE_STATEMENTS, files: int | None = None) -> list[Path]:
    """Write the scale organization into `directory`; the first path is the main file to load."""
    return _write(directory, scale_org_files(seed=seed, statements=statements, files=files))


def _write(directory: str | os.PathLike[str], found: dict[str, str]) -> list[Path]:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in found.items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written

"""Change orders: the terms' scope, prices and dates changed in writing, figures recomputed.

A change order is applied to the terms' own data (as written, merged with the profile), on
top of every change order before it (``follows``), and the result is validated and computed
again by ``engage.money``, the one place figures are computed: the amounts before and after
come from the same function, so they add up to the cent exactly as the terms did.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engage.after_models import ChangeOrder, ChangeOrderSpec
from engage.errors import SpecError
from engage.formats import Formats
from engage.load import DataPath, Document, load_yaml
from engage.models import Spec
from engage.money import Figures, InstalmentLine, compute
from engage.terms import Terms, bound_terms, parse_after
from engage.validate import currency_digits, problem_at, validate

MAX_CHAIN = 200
"""The most change orders one chain may hold (a ``follows`` loop stops here)."""


@dataclass(frozen=True)
class ChangeState:
    """A change order, the terms it amends, and the engagement before and after it."""

    document: Document
    order: ChangeOrder
    terms: Terms
    chain: tuple[int, ...]
    """Numbers of the change orders applied up to and including this one."""
    before_data: dict[str, Any]
    after_data: dict[str, Any]
    before: Spec
    after: Spec
    before_figures: Figures
    after_figures: Figures


def load_change(file: Path, _seen: tuple[Path, ...] = ()) -> ChangeState:
    """The change order in ``file``, checked against its terms and the change order before."""
    file = file.resolve() if _seen else file
    document = load_yaml(file)
    order = parse_after(document, ChangeOrderSpec).change_order
    terms = bound_terms(document, order.terms, ("change_order", "terms"))
    digits = currency_digits(terms.prepared.spec.currency)
    order = parse_after(document, ChangeOrderSpec, digits).change_order
    if order.follows is not None:
        earlier = (file.parent / order.follows).resolve()
        if earlier in (*_seen, file.resolve()):
            raise _error(document, ("change_order", "follows"),
                         f"{order.follows} leads back to this change order")
        if len(_seen) >= MAX_CHAIN:
            raise _error(document, ("change_order", "follows"), "too many change orders chained")
        previous = load_change(earlier, (*_seen, file.resolve()))
        if previous.terms.fingerprint != terms.fingerprint:
            raise _error(document, ("change_order", "follows"),
                         f"{order.follows} amends other terms than this change order")
        if order.number != previous.order.number + 1:
            raise _error(document, ("change_order", "number"),
                         f"this change order follows number {previous.order.number}, "
                         f"so it is number {previous.order.number + 1}")
        before_data, chain = previous.after_data, previous.chain
    else:
        if order.number != 1:
            raise _error(document, ("change_order", "follows"),
                         f"change order {order.number} must name the one before it "
                         "in `follows`")
        before_data, chain = _discount_fixed(terms), ()
    after_data = _applied(document, order, before_data)
    before, after = _spec(terms, before_data, document), _spec(terms, after_data, document)
    return ChangeState(
        document, order, terms, (*chain, order.number), before_data, after_data,
        before, after, compute(before, digits), compute(after, digits),
    )


def _discount_fixed(terms: Terms) -> dict[str, Any]:
    """The terms' data, a one-off percentage discount written as the amount it came to.

    The changes clause says a one-off discount does not apply to changes: the amount granted
    stays what it was, whatever lines a change order adds.
    """
    data: dict[str, Any] = copy.deepcopy(terms.prepared.document.data)
    discount = terms.prepared.spec.pricing.discount
    if discount is not None and discount.percent is not None and discount.one_off:
        written = data["pricing"]["discount"]
        written.pop("percent", None)
        written["amount"] = str(terms.prepared.figures.discount)
    return data


def _error(document: Document, path: DataPath, message: str) -> SpecError:
    return SpecError(problem_at(document, path, message))


def _spec(terms: Terms, data: dict[str, Any], change: Document) -> Spec:
    """``data`` validated as terms; a problem is reported at the change order."""
    document = Document(terms.file, data, terms.prepared.document.values,
                        terms.prepared.document.keys)
    try:
        return validate(document, [terms.prepared.spec.language])
    except SpecError as exc:
        first = exc.problems[0]
        where = f"{first.field}: " if first.field else ""
        raise _error(change, ("change_order",),
                     f"the terms after this change are not valid: {where}{first.message}") from None


def _same(text: Any) -> str:
    return " ".join(str(text).split())


def _applied(document: Document, order: ChangeOrder, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (the terms as written) with the change order applied, values as written."""
    raw = document.data["change_order"]
    data = copy.deepcopy(data)
    scope = data["scope"]
    problems = []

    def remove(path: DataPath, items: list[Any], wanted: list[str], key: str | None) -> list[Any]:
        kept = list(items)
        for index, name in enumerate(wanted):
            match = [item for item in kept
                     if _same(item.get(key) if key and isinstance(item, dict) else item)
                     == _same(name)]
            if not match:
                problems.append(problem_at(
                    document, (*path, index), f"{name!r} is not in the terms as they stand"))
            kept = [item for item in kept if item not in match]
        return kept

    co = ("change_order",)
    scope["deliverables"] = remove(
        (*co, "remove_deliverables"), scope["deliverables"], order.remove_deliverables, "id")
    scope["deliverables"] = [*scope["deliverables"], *raw.get("add_deliverables", [])]
    for part in ("included", "excluded"):
        kept = remove((*co, f"remove_{part}"), scope.get(part) or [],
                      getattr(order, f"remove_{part}"), None)
        scope[part] = [*kept, *raw.get(f"add_{part}", [])]
    pricing = data["pricing"]
    pricing["items"] = remove((*co, "remove_items"), pricing["items"], order.remove_items,
                              "description")
    pricing["items"] = [*pricing["items"], *raw.get("add_items", [])]
    if order.new_dates is not None:
        dates = raw["new_dates"]
        for field, key in (("project_start", "start"), ("project_end", "end")):
            if dates.get(field) is not None:
                data["project"][key] = dates[field]
        ids = {str(item.get("id")): item for item in scope["deliverables"]}
        for ident, due in (dates.get("deliverables") or {}).items():
            if ident not in ids:
                problems.append(problem_at(
                    document, (*co, "new_dates", "deliverables", ident),
                    f"no deliverable {ident!r} in the terms as they stand", key=True))
            else:
                ids[ident]["due"] = due
    if order.payment_schedule is not None:
        data["payment"]["schedule"] = raw["payment_schedule"]
    if problems:
        raise SpecError(*problems)
    return data


def change_rows(state: ChangeState, formats: Formats, t: dict[str, str]) -> dict[str, Any]:
    """What the change order prints: key terms before and after, the plan, the scope diff."""
    money, day = formats.money, formats.date
    old, new = state.before_figures, state.after_figures

    def diff(was: Decimal, now: Decimal) -> str:
        change = now - was
        if change == 0:
            return "—"
        return ("+" if change > 0 else "−") + money(abs(change))

    figures = [{"label": t["fees"], "before": money(old.fees), "after": money(new.fees),
                "difference": diff(old.fees, new.fees)}]
    names = dict.fromkeys([tax.name for tax in old.taxes] + [tax.name for tax in new.taxes])
    for name in names:
        was = next((tax.amount for tax in old.taxes if tax.name == name), Decimal(0))
        now = next((tax.amount for tax in new.taxes if tax.name == name), Decimal(0))
        figures.append({"label": name, "before": money(was), "after": money(now),
                        "difference": diff(was, now)})
    figures.append({"label": t["total"], "before": money(old.total), "after": money(new.total),
                    "difference": diff(old.total, new.total)})
    plan = []
    for index in range(max(len(old.instalments), len(new.instalments))):
        old_step = old.instalments[index] if index < len(old.instalments) else None
        new_step = new.instalments[index] if index < len(new.instalments) else None
        step = new_step or old_step
        assert step is not None
        plan.append({
            "when": "" if step.is_deposit else step.when,
            "is_deposit": step.is_deposit,
            "before": _share(formats, old_step),
            "after": _share(formats, new_step),
            "difference": diff(old_step.amount if old_step else Decimal(0),
                               new_step.amount if new_step else Decimal(0)),
        })
    dates = []
    pairs = [("start", state.before.project.start, state.after.project.start),
             ("end", state.before.project.end, state.after.project.end)]
    before_due = {item.id: item for item in state.before.scope.deliverables}
    for item in state.after.scope.deliverables:
        previous = before_due.get(item.id)
        if previous is not None and previous.due != item.due:
            dates.append({"label": item.title,
                          "before": day(previous.due) if previous.due else "—",
                          "after": day(item.due) if item.due else "—"})
    dates = [{"label": t[key], "before": day(was), "after": day(now)}
             for key, was, now in pairs if was != now] + dates
    order = state.order
    removed_ids = set(order.remove_deliverables)
    return {
        "figures": figures,
        "plan": plan,
        "dates": dates,
        "added_deliverables": [
            {"title": item.title, "due": day(item.due) if item.due else None,
             "acceptance": item.acceptance}
            for item in order.add_deliverables
        ],
        "removed_deliverables": [item.title for item in state.before.scope.deliverables
                                 if item.id in removed_ids],
        "added_included": list(order.add_included),
        "removed_included": list(order.remove_included),
        "added_excluded": list(order.add_excluded),
        "removed_excluded": list(order.remove_excluded),
        "added_items": [
            {"description": line.description, "amount": money(line.amount),
             "detail": (f"{formats.number(line.quantity)} {line.unit or ''} × "
                        f"{money(line.unit_price)}") if line.quantity and line.unit_price
             else None}
            for line in new.lines[len(new.lines) - len(order.add_items):]
        ] if order.add_items else [],
        "removed_items": [
            {"description": line.description, "amount": money(line.amount)}
            for line in old.lines
            if any(_same(line.description) == _same(name) for name in order.remove_items)
        ],
        "total_changes": old.total != new.total,
    }


def _share(formats: Formats, step: InstalmentLine | None) -> str:
    if step is None:
        return "—"
    if step.percent is None:  # an instalment given as an amount
        return formats.money(step.amount)
    return f"{formats.percent(step.percent)} · {formats.money(step.amount)}"


def change_findings(state: ChangeState) -> Iterator[tuple[str, DataPath, str]]:
    """(code, path, message) for each weakness of the change order."""
    order = state.order
    adds_work = bool(order.add_deliverables or order.add_included or order.remove_excluded)
    if (adds_work and not order.free_of_charge
            and state.before_figures.total == state.after_figures.total):
        yield ("change-no-price", ("change_order",),
               "this change adds work but no price: add price lines under add_items, or "
               "state that it is free with free_of_charge: true")
    if order.free_of_charge and state.before_figures.total != state.after_figures.total:
        yield ("change-free-but-priced", ("change_order", "free_of_charge"),
               "the change is said to be free of charge, but the total changes")
    for index, item in enumerate(order.add_deliverables):
        if item.acceptance is None:
            yield ("no-acceptance", ("change_order", "add_deliverables", index),
                   f"{item.id!r} has no acceptance criterion: say how the client accepts it")

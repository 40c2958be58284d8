"""Every reason a ticket from the order form must not be sent, named by form field.

:func:`check_form` runs, in order: reading the form (empty and non-numeric numbers),
``protocol.orders.validate`` (signs, required prices), then the contract's rules (order type,
time in force, outside-RTH, whole/fractional quantity, size and price increments), then the
market (a stop on the wrong side of it), then the bracket (a take-profit or stop-loss that
contradicts the entry price). Nothing here reads a clock or the network: the ticket passes the
rules and the latest quote in (``limits.Market``: the ask for a buy, the bid for a sell, else
last). An empty list means the ticket may be sent.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ibkr_desktop.protocol.contract_rules import ContractRules
from ibkr_desktop.protocol.limits import Market
from ibkr_desktop.protocol.order_kinds import OrderType, Side
from ibkr_desktop.protocol.orders import OrderTicket, Problem, validate
from ibkr_desktop.protocol.ticket_form import FormTickets, TicketForm, form_field, read_form

TYPE_NAMES: dict[OrderType, str] = {
    OrderType.MKT: "market", OrderType.LMT: "limit", OrderType.STP: "stop",
    OrderType.STOP_LIMIT: "stop-limit", OrderType.TRAIL: "trailing stop",
    OrderType.TRAILLMT: "trailing stop-limit", OrderType.MIDPRICE: "midprice",
    OrderType.MOC: "market-on-close", OrderType.LOC: "limit-on-close",
}
"""Order types as the ticket's type list names them."""


def check_form(form: TicketForm, rules: ContractRules | None,
               market: Market | None) -> tuple[FormTickets, list[Problem]]:
    """The form's tickets and every problem with them (empty = OK to send)."""
    tickets, problems = read_form(form)
    parent = tickets.parent
    if parent is None:
        return tickets, problems
    problems = [Problem(form_field(parent.order_type, p.field), p.message)
                for p in validate(parent)]
    for name, child in (("take_profit", tickets.take_profit), ("stop_loss", tickets.stop_loss)):
        if child is not None and child.price is not None and child.price <= 0:
            problems.append(Problem(name, "Bracket prices must be positive numbers"))
    if rules is not None:
        problems += check_rules(parent, rules)
        problems += _child_increments(tickets, rules)
    if market is not None:
        problems += check_stop_side(parent, market)
    problems += check_bracket(tickets, market)
    return tickets, _first_per_field(problems)


def check_oca(first: FormTickets, second: TicketForm, rules: ContractRules | None,
              market: Market | None) -> tuple[FormTickets, list[Problem]]:
    """A one-cancels-the-other pair: ``first`` (already checked, without a bracket) and the
    second leg's form, checked with the same checks. Returns both legs marked
    ``is_single_group`` (IBKR forms the group from the orders of one request) and the second
    leg's problems, named by its own form fields; the legs are unchanged when there are any.
    """
    leg, problems = check_form(second, rules, market)
    if first.parent is None or leg.parent is None or problems:
        return first, problems
    return FormTickets(replace(first.parent, is_single_group=True),
                       oca=replace(leg.parent, is_single_group=True)), []


def check_rules(ticket: OrderTicket, rules: ContractRules) -> list[Problem]:
    """Order type, time in force, outside-RTH, quantity and price steps against the rules."""
    kind = ticket.order_type
    words = f"a {TYPE_NAMES[kind]} order"
    problems: list[Problem] = []
    if kind not in rules.order_types:
        problems.append(Problem("order_type", f"This contract does not accept {words}"))
        return problems
    if ticket.tif not in rules.tifs_for(kind):
        problems.append(Problem("tif", f"Time in force {ticket.tif} is not available for {words}"))
    if ticket.outside_rth and kind not in rules.outside_rth_types:
        problems.append(Problem("outside_rth",
                                f"{words.capitalize()} cannot work outside regular hours"))
    quantity = ticket.quantity
    whole = float(quantity).is_integer()
    if quantity > 0 and not whole and kind not in rules.fractional_types:
        problems.append(Problem("quantity", "Quantity must be a whole number of shares: this "
                                "contract does not allow fractions"))
    elif quantity > 0 and whole and not _multiple(quantity, rules.size_increment):
        problems.append(Problem("quantity", f"Quantity must be a multiple of "
                                f"{rules.size_increment:g}"))
    for attribute in ("price", "aux_price"):
        value = getattr(ticket, attribute)
        problem = _increment_problem(value, rules, form_field(kind, attribute))
        if problem:
            problems.append(problem)
    return problems


def check_stop_side(ticket: OrderTicket, market: Market) -> list[Problem]:
    """A buy stop must be above the market and a sell stop below it (else it triggers at once)."""
    stop = {OrderType.STP: ticket.price, OrderType.STOP_LIMIT: ticket.aux_price}.get(
        ticket.order_type)
    reference = market.reference(ticket.side)
    if stop is None or reference is None or stop <= 0:
        return []
    if ticket.side is Side.BUY and stop <= reference:
        return [Problem("stop", f"A buy stop must be above the market ({reference:g}); "
                        f"{stop:g} would trigger at once")]
    if ticket.side is Side.SELL and stop >= reference:
        return [Problem("stop", f"A sell stop must be below the market ({reference:g}); "
                        f"{stop:g} would trigger at once")]
    return []


def check_bracket(tickets: FormTickets, market: Market | None) -> list[Problem]:
    """A take-profit beyond the entry price and a stop-loss on the other side of it."""
    parent = tickets.parent
    if parent is None:
        return []
    entry = parent.price if parent.order_type in (OrderType.LMT, OrderType.LOC,
                                                  OrderType.STP) else None
    if entry is None and market is not None:
        entry = market.reference(parent.side)
    if entry is None:
        return []
    buy = parent.side is Side.BUY
    above, below = ("above", "below") if buy else ("below", "above")
    problems: list[Problem] = []
    take = tickets.take_profit.price if tickets.take_profit else None
    if take is not None and take > 0 and (take <= entry if buy else take >= entry):
        problems.append(Problem("take_profit", f"Take-profit {take:g} must be {above} the "
                                f"entry price {entry:g} of a {parent.side.lower()}"))
    loss = tickets.stop_loss.price if tickets.stop_loss else None
    if loss is not None and loss > 0 and (loss >= entry if buy else loss <= entry):
        problems.append(Problem("stop_loss", f"Stop-loss {loss:g} must be {below} the "
                                f"entry price {entry:g} of a {parent.side.lower()}"))
    return problems


def _child_increments(tickets: FormTickets, rules: ContractRules) -> list[Problem]:
    pairs = (("take_profit", tickets.take_profit), ("stop_loss", tickets.stop_loss))
    found = [_increment_problem(child.price, rules, name) for name, child in pairs if child]
    return [problem for problem in found if problem]


def _increment_problem(value: float | None, rules: ContractRules,
                       field: str) -> Problem | None:
    if value is None or value <= 0 or rules.on_increment(value):
        return None
    step = rules.increment_at(value)
    digits = rules.digits_at(value)
    return Problem(field, f"{value:g} is not on the price increment of {step:g} "
                   f"(nearest {rules.snap(value):.{digits}f})")


def _multiple(value: float, step: float) -> bool:
    steps = value / step
    return math.isclose(steps, round(steps), rel_tol=0.0, abs_tol=1e-6)


def _first_per_field(problems: list[Problem]) -> list[Problem]:
    """One message per field (the first, most basic one), in the order found."""
    seen: dict[str, Problem] = {}
    for problem in problems:
        seen.setdefault(problem.field, problem)
    return list(seen.values())

"""Pure IBKR Web API knowledge: field ids, frames, orders, pacing. No Qt, no I/O, no clock reads."""

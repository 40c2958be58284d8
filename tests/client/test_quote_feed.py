"""The quote feed: holder counting, the market-data line limit, per-consumer routing, batching,
late joiners and broker switches. The broker is a stand-in that records what the feed asks of
the stream (the live app tests run the feed against the demo gateway)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject, Signal

from ibkr_desktop.client.notices import Notice
from ibkr_desktop.client.quote_feed import QuoteFeed

AAPL, MSFT, NVDA, NFLX = 265598, 272093, 4815747, 15124833


class Stream(QObject):
    """Records subscribe/unsubscribe calls; ``send`` emits a quote batch like the Broker."""

    quotes_updated = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.subscribed: list[list[int]] = []
        self.unsubscribed: list[list[int]] = []

    def subscribe_quotes(self, conids: Iterable[int]) -> None:
        self.subscribed.append(list(conids))

    def unsubscribe_quotes(self, conids: Iterable[int]) -> None:
        self.unsubscribed.append(list(conids))

    def send(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        self.quotes_updated.emit(dict(batch))


class Consumer:
    """A consumer that records every call it gets."""

    def __init__(self) -> None:
        self.calls: list[dict[int, Mapping[str, object]]] = []

    def __call__(self, batch: Mapping[int, Mapping[str, object]]) -> None:
        self.calls.append(dict(batch))


def make_feed(line_limit: int = 100) -> tuple[QuoteFeed, Stream, list[Notice]]:
    feed = QuoteFeed(line_limit=line_limit)
    stream = Stream()
    feed.attach(stream)
    notices: list[Notice] = []
    feed.notice.connect(notices.append)
    return feed, stream, notices


def test_a_conid_is_subscribed_by_its_first_holder_and_dropped_by_its_last(qapp) -> None:
    """Two consumers share one stream line; only the last release unsubscribes it."""
    feed, stream, _ = make_feed()
    watchlist = feed.open(Consumer(), "the watchlist")
    chart = feed.open(Consumer(), "a chart")
    watchlist.hold([AAPL, MSFT])
    chart.hold([AAPL])
    chart.hold([AAPL])  # holding twice is holding once
    assert stream.subscribed == [[AAPL, MSFT]]
    assert feed.holders(AAPL) == 2 and feed.holders(MSFT) == 1
    chart.release([AAPL])
    assert stream.unsubscribed == [] and feed.holders(AAPL) == 1
    watchlist.release([AAPL])
    assert stream.unsubscribed == [[AAPL]] and feed.live == {MSFT}
    watchlist.close()
    assert stream.unsubscribed == [[AAPL], [MSFT]] and feed.live == frozenset()


def test_set_replaces_the_held_set(qapp) -> None:
    """``set`` releases what is no longer wanted and holds what is new, in one step each."""
    feed, stream, _ = make_feed()
    positions = feed.open(Consumer(), "positions")
    positions.set([AAPL, MSFT])
    positions.set({MSFT: "MSFT", NVDA: "NVDA"})
    assert stream.subscribed == [[AAPL, MSFT], [NVDA]]
    assert stream.unsubscribed == [[AAPL]]
    assert positions.conids == {MSFT, NVDA}


def test_each_consumer_gets_only_its_conids_once_per_batch(qapp) -> None:
    """One broker batch -> one call per consumer, holding only the conids that consumer holds."""
    feed, stream, _ = make_feed()
    watchlist_cb, chart_cb, idle_cb = Consumer(), Consumer(), Consumer()
    feed.open(watchlist_cb, "the watchlist").hold([AAPL, MSFT])
    feed.open(chart_cb, "a chart").hold([MSFT, NFLX])
    feed.open(idle_cb, "a ticket").hold([NVDA])
    stream.send({AAPL: {"last": 1.0}, MSFT: {"last": 2.0}, NFLX: {"bid": 3.0}})
    stream.send({AAPL: {"last": 1.5}})
    assert watchlist_cb.calls == [{AAPL: {"last": 1.0}, MSFT: {"last": 2.0}},
                                  {AAPL: {"last": 1.5}}]
    assert chart_cb.calls == [{MSFT: {"last": 2.0}, NFLX: {"bid": 3.0}}]
    assert idle_cb.calls == []
    assert feed.batches == 2


def test_a_late_holder_gets_the_latest_values_at_once(qapp) -> None:
    """Joining a conid that already streams delivers its merged values, not just later ticks."""
    feed, stream, _ = make_feed()
    feed.open(Consumer(), "the watchlist").hold([AAPL])
    stream.send({AAPL: {"last": 1.0, "change": 0.5}})
    stream.send({AAPL: {"last": 1.1}})
    positions_cb = Consumer()
    feed.open(positions_cb, "positions").hold([AAPL])
    assert positions_cb.calls == [{AAPL: {"last": 1.1, "change": 0.5}}]
    assert stream.subscribed == [[AAPL]]


def test_the_line_limit_refuses_with_the_symbol_named_and_grants_a_freed_line(qapp) -> None:
    """Beyond the limit a conid gets no line and the user is told which symbol and why."""
    feed, stream, notices = make_feed(line_limit=2)
    watchlist = feed.open(Consumer(), "the watchlist")
    chart_cb = Consumer()
    chart = feed.open(chart_cb, "a chart")
    watchlist.hold({AAPL: "AAPL", MSFT: "MSFT"})
    chart.hold({NFLX: "NFLX"})
    assert stream.subscribed == [[AAPL, MSFT]]
    assert feed.waiting == (NFLX,) and NFLX not in feed.live
    assert len(notices) == 1 and notices[0].level == "warning"
    assert "NFLX gets no quotes" in notices[0].text
    assert "2 market-data lines" in notices[0].text and "a chart" in notices[0].text
    chart.hold([AAPL])  # sharing a live line needs no new one
    assert len(notices) == 1
    watchlist.release([MSFT])
    assert stream.subscribed[-1] == [NFLX] and feed.live == {AAPL, NFLX}
    assert "NFLX" in notices[-1].text and notices[-1].level == "info"
    stream.send({NFLX: {"last": 9.0}})
    assert chart_cb.calls[-1] == {NFLX: {"last": 9.0}}


def test_releasing_a_waiting_conid_frees_nothing_and_asks_nothing(qapp) -> None:
    """A refused conid that is released simply stops waiting."""
    feed, stream, _ = make_feed(line_limit=1)
    sub = feed.open(Consumer(), "the watchlist")
    sub.hold([AAPL, MSFT])
    sub.release([MSFT])
    assert feed.waiting == () and stream.unsubscribed == []


def test_a_new_broker_gets_every_live_conid_and_the_old_one_is_let_go(qapp) -> None:
    """After a broker switch the held conids stream again, from the new broker only."""
    feed, old, _ = make_feed()
    consumer = Consumer()
    feed.open(consumer, "a chart").hold([AAPL, NFLX])
    feed.attach(None)
    new = Stream()
    feed.attach(new)
    assert new.subscribed == [[AAPL, NFLX]]
    old.send({AAPL: {"last": 1.0}})
    new.send({NFLX: {"last": 2.0}})
    assert consumer.calls == [{NFLX: {"last": 2.0}}]

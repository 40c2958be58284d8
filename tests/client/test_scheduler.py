"""The pure request scheduler and the wanted-subscription set, on a fake clock."""

from __future__ import annotations

from concurrent.futures import Future

import pytest

from ibkr_desktop.client.scheduler import Job, Lane, RestRequest, RetryPolicy, Scheduler
from ibkr_desktop.client.subscriptions import Subscriptions
from ibkr_desktop.protocol.errors import (
    AccountsNotQueried,
    ApiError,
    GatewayUnreachable,
    IbkrError,
    NoBridge,
    NotAuthenticated,
    RateLimited,
    RequestTimedOut,
    ServiceUnavailable,
)
from ibkr_desktop.protocol.pacing import Pacer


def _get(path: str) -> RestRequest:
    return RestRequest("GET", path)


def _get_and_order_in_flight(scheduler: Scheduler, sent_at: float,
                             done_at: float) -> tuple[Job, Job]:
    """A GET and an order POST, sent at 0.0 and ``sent_at``, answered at ``done_at``."""
    get = scheduler.add(_get("/x"), Lane.USER, Future())
    post = scheduler.add(RestRequest("POST", "/iserver/account/DU1/orders"), Lane.ORDER,
                         Future())
    for job in (scheduler.next(0.0)[0], scheduler.next(sent_at)[0]):
        assert job is not None
        scheduler.finished(job, done_at)
    return get, post


def _drain(scheduler: Scheduler, until: float, step: float = 0.001) -> list[tuple[float, str]]:
    """Send everything the scheduler releases up to ``until``; (time, path) per send."""
    sent, now = [], 0.0
    while now <= until:
        job, _ = scheduler.next(now)
        while job is not None:
            sent.append((now, job.request.path))
            scheduler.finished(job, now)
            job, _ = scheduler.next(now)
        now += step
    return sent


def test_sends_are_spread_and_never_exceed_ten_per_second() -> None:
    """40 queued GETs go out about every 102 ms: 10 per second, never 11 in any second."""
    scheduler = Scheduler(Pacer())
    for i in range(40):
        scheduler.add(_get(f"/a/{i}"), Lane.BACKGROUND, Future())
    times = [t for t, _ in _drain(scheduler, 5.0)]
    assert len(times) == 40
    assert all(sum(1 for u in times if t <= u < t + 1.0) <= 10 for t in times)
    assert 9.5 <= (len(times) - 1) / (times[-1] - times[0]) <= 10


def test_lanes_order_first_then_user_then_background() -> None:
    """Waiting jobs leave by lane, FIFO inside a lane."""
    scheduler = Scheduler(Pacer())
    scheduler.add(_get("/bg1"), Lane.BACKGROUND, Future())
    scheduler.add(_get("/user"), Lane.USER, Future())
    scheduler.add(RestRequest("POST", "/order"), Lane.ORDER, Future())
    scheduler.add(_get("/bg2"), Lane.BACKGROUND, Future())
    assert [p for _, p in _drain(scheduler, 1.0)] == ["/order", "/user", "/bg1", "/bg2"]


def test_identical_waiting_gets_coalesce_and_take_the_higher_lane() -> None:
    """A second identical GET joins the first, which moves up to the joiner's lane."""
    scheduler = Scheduler(Pacer())
    scheduler.add(_get("/other"), Lane.USER, Future())
    first = scheduler.add(_get("/same"), Lane.BACKGROUND, Future())
    joined = scheduler.add(_get("/same"), Lane.ORDER, Future())
    assert joined is first and len(first.futures) == 2 and first.lane == Lane.ORDER
    assert scheduler.depth == 2


def test_endpoint_limit_holds_only_its_endpoint() -> None:
    """Two /iserver/account/orders calls are 5 s apart; other requests pass in between."""
    scheduler = Scheduler(Pacer())
    scheduler.add(_get("/iserver/account/orders"), Lane.USER, Future())
    scheduler.add(_get("/iserver/account/orders?again"), Lane.USER, Future())
    scheduler.add(_get("/iserver/accounts"), Lane.BACKGROUND, Future())
    sent = _drain(scheduler, 6.0, step=0.01)
    assert [p for _, p in sent] == ["/iserver/account/orders", "/iserver/accounts",
                                    "/iserver/account/orders?again"]
    assert sent[2][0] >= 5.0


def test_a_slow_answer_delays_the_next_call_of_a_slow_endpoint() -> None:
    """The 5-s orders window counts from the answer, which follows the gateway's arrival stamp."""
    scheduler = Scheduler(Pacer())
    scheduler.add(_get("/iserver/account/orders"), Lane.USER, Future())
    first, _ = scheduler.next(0.0)
    assert first is not None
    scheduler.add(_get("/iserver/account/orders?again"), Lane.USER, Future())
    scheduler.finished(first, 0.3)  # 300 ms in transit: the gateway stamped it after 0.0
    assert scheduler.next(5.1)[0] is None
    second, _ = scheduler.next(5.4)
    assert second is not None and second.request.path.endswith("again")


def test_429_holds_every_lane_and_retries_only_safe_requests() -> None:
    """A 429 pauses everything; a GET is queued again, a POST is given up."""
    retry = RetryPolicy(max_retries=2, rate_limit_base_s=1.0)
    scheduler = Scheduler(Pacer(), retry=retry)
    get, post = _get_and_order_in_flight(scheduler, 0.2, 0.2)
    assert scheduler.retry_or_give_up(post, RateLimited("slow down", 429), 0.0) is False
    assert scheduler.retry_or_give_up(get, RateLimited("slow down", 429), 0.0) is True
    assert scheduler.next(0.5) == (None, 1.5)  # second 429 in a row: 2 s penalty
    assert scheduler.throttled and scheduler.rate_limited == 2
    job, _ = scheduler.next(2.0)
    assert job is get


def test_503_retries_are_bounded() -> None:
    """A retry-safe request is re-queued max_retries times, then given up."""
    scheduler = Scheduler(Pacer(), retry=RetryPolicy(max_retries=2, unavailable_base_s=0.1))
    job = scheduler.add(_get("/x"), Lane.USER, Future())
    outcomes = []
    now = 0.0
    for _ in range(3):
        sent, _ = scheduler.next(now + 10)
        assert sent is job
        scheduler.finished(job, now + 10)
        outcomes.append(scheduler.retry_or_give_up(job, ServiceUnavailable("busy", 503), now))
        now += 10
    assert outcomes == [True, True, False]


def test_accounts_not_queried_is_retried_like_a_503() -> None:
    """A RETRY answer: a GET goes again after the base delay, then twice that; a POST does not."""
    scheduler = Scheduler(Pacer(limits=()), retry=RetryPolicy(unavailable_base_s=0.1))
    get, post = _get_and_order_in_flight(scheduler, 1.0, 1.0)
    query_first = AccountsNotQueried("Please query /accounts first", 500)
    assert scheduler.retry_or_give_up(post, query_first, 1.0) is False
    assert scheduler.retry_or_give_up(get, query_first, 1.0) is True
    early, wait = scheduler.next(1.05)
    assert early is None and wait == pytest.approx(0.05)  # due at 1.0 + 0.1
    job, _ = scheduler.next(1.2)
    assert job is get
    scheduler.finished(job, 1.2)
    assert scheduler.retry_or_give_up(get, query_first, 2.0) is True
    assert scheduler.next(2.19)[0] is None and scheduler.next(2.2)[0] is get


@pytest.mark.parametrize("error", [
    GatewayUnreachable("refused"), RequestTimedOut("no answer"),  # RETRY, but no answer came
    NotAuthenticated("no session", 401), NoBridge("Bad Request: no bridge", 400),  # SESSION
    ApiError(400, "Bad Request: Conid(s) missing"), ApiError(500, "unknown"),  # FATAL
])
def test_session_fatal_and_unanswered_failures_go_back_to_the_caller(error: IbkrError) -> None:
    """Only a RETRY answer is re-sent: SESSION, FATAL and no answer at all reach the caller
    at once, even for a GET (the keeper's own calls must not wait out retries)."""
    scheduler = Scheduler(Pacer(limits=()))
    job = scheduler.add(_get("/x"), Lane.USER, Future())
    assert scheduler.next(0.0)[0] is job
    scheduler.finished(job, 0.1)
    assert scheduler.retry_or_give_up(job, error, 0.1) is False
    assert scheduler.depth == 0


def test_order_lane_keeps_a_slot_when_the_others_fill_the_pool() -> None:
    """Non-order requests may not take the last in-flight slot; an order may."""
    scheduler = Scheduler(Pacer(limits=()), max_in_flight=2)
    scheduler.add(_get("/a"), Lane.USER, Future())
    scheduler.add(_get("/b"), Lane.USER, Future())
    first, _ = scheduler.next(0.0)
    assert first is not None and scheduler.next(1.0)[0] is None  # /b waits for a free slot
    scheduler.add(RestRequest("POST", "/order"), Lane.ORDER, Future())
    order, _ = scheduler.next(1.0)
    assert order is not None and order.request.path == "/order"


def test_cancelled_waiters_drop_their_job() -> None:
    """A job whose every waiter gave up is never sent."""
    scheduler = Scheduler(Pacer())
    future: Future[object] = Future()
    scheduler.add(_get("/gone"), Lane.USER, future)
    future.cancel()
    assert scheduler.next(0.0) == (None, None) and scheduler.depth == 0


def test_subscriptions_are_restored_once_each_and_fields_merge() -> None:
    """The wanted set yields one message per topic; a repeat adds fields, not duplicates."""
    subs = Subscriptions()
    assert subs.add_quotes([1, 2], ["31"], 0.0) == ['smd+1+{"fields":["31"]}',
                                                     'smd+2+{"fields":["31"]}']
    assert subs.add_quotes([1], ["31"], 0.0) == []
    assert subs.add_quotes([1], ["84"], 0.0) == ['smd+1+{"fields":["31","84"]}']
    assert subs.add_topic("sor", "sor+{}", "uor+{}") == ["sor+{}"]
    assert subs.add_topic("sor", "sor+{}", "uor+{}") == []
    messages = subs.all_messages(1.0)
    assert sorted(messages) == sorted(['sor+{}', 'smd+1+{"fields":["31","84"]}',
                                       'smd+2+{"fields":["31"]}'])
    assert subs.due_refreshes(5.0, 10.0) == []
    assert len(subs.due_refreshes(11.0, 10.0)) == 2
    assert subs.remove_quotes([2, 3]) == ["umd+2+{}"]
    assert subs.remove_topic("sor") == ["uor+{}"]
    assert subs.keys == {"smd+1"}


def test_held_names_the_endpoint_its_own_limit_holds() -> None:
    """The status bar's words: a second /iserver/account/orders waiting for its 5-s window is
    named with its limit; a request waiting only for the global pace is not; once the window
    has passed nothing is held."""
    scheduler = Scheduler(Pacer())
    scheduler.add(_get("/iserver/account/orders"), Lane.USER, Future())
    scheduler.add(_get("/iserver/account/orders?force=true"), Lane.USER, Future())
    scheduler.add(_get("/iserver/accounts"), Lane.BACKGROUND, Future())
    first, _ = scheduler.next(0.0)
    assert first is not None
    scheduler.finished(first, 0.05)
    assert scheduler.held(0.05) == ("/iserver/account/orders allows 1 request per 5 s",)
    assert scheduler.depth == 2
    assert scheduler.held(6.0) == ()

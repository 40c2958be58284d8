"""Contract endpoints (§3): secdef search, ``/trsrv`` lookups, contract info and order rules.

Identifier types follow IBKR's inconsistencies on purpose (§1.4, §8.12): ``conid`` is a string
in ``/iserver/secdef/search`` and an int in ``/trsrv/*``; contract info is snake_case.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .market import MarketSimulator
from .universe import Instrument, Universe
from .web_util import ApiError, ApiRouter, json_response, parse_bool, parse_conid, read_json

MAX_SECDEF_CONIDS = 200
_VALID_EXCHANGES = "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,ISLAND,DRCTEDGE,BEX,BATS,EDGEA,IEX"
_ORDER_TYPES = ["limit", "midprice", "market", "stop", "stop_limit", "trailing_stop",
                "trailing_stop_limit", "marketonclose", "limitonclose"]


class ContractRoutes:
    """Handlers of the contract endpoints over the demo universe."""

    def __init__(self, universe: Universe, market: MarketSimulator) -> None:
        self._universe = universe
        self._market = market

    def register(self, api: ApiRouter) -> None:
        """Add the routes (secdef search answers GET and POST, §1.4)."""
        api.add_routes(("GET", "POST"), "/iserver/secdef/search", self.search)
        api.add_get("/trsrv/stocks", self.stocks)
        api.add_routes(("GET", "POST"), "/trsrv/secdef", self.secdef)
        api.add_get("/iserver/contract/{conid}/info", self.info)
        api.add_get("/iserver/contract/{conid}/info-and-rules", self.info_and_rules)
        api.add_routes(("POST",), "/iserver/contract/rules", self.rules)

    def _instrument(self, raw: object) -> Instrument:
        conid = parse_conid(raw)
        instrument = self._universe.get(conid) if conid is not None else None
        if instrument is None:
            raise ApiError(400, f"Bad Request: contract not found for conid {raw}")
        return instrument

    async def search(self, request: web.Request) -> web.Response:
        """``/iserver/secdef/search``: symbol (or, with ``name=true``, company) matches."""
        body = await read_json(request) if request.method == "POST" else {}
        params: dict[str, Any] = dict(request.query)
        if isinstance(body, dict):
            params.update(body)
        symbol = str(params.get("symbol") or "").strip()
        if not symbol:
            raise ApiError(400, "Bad Request: symbol required")
        sec_type = str(params.get("secType") or "STK").upper()
        if sec_type not in ("STK", ""):
            return json_response([])
        by_name = bool(parse_bool(params.get("name"), False))
        return json_response([_search_item(item) for item in
                              self._universe.search(symbol, by_name)])

    async def stocks(self, request: web.Request) -> web.Response:
        """``/trsrv/stocks?symbols=AAPL,MSFT``: per symbol, its listings with int conids."""
        raw = request.query.get("symbols", "")
        symbols = [s.strip() for s in raw.split(",") if s.strip()]
        if not symbols:
            raise ApiError(400, "Bad Request: symbols required")
        answer: dict[str, Any] = {}
        for symbol in symbols:
            item = self._universe.by_symbol(symbol)
            answer[symbol] = [] if item is None else [{
                "name": item.name, "chineseName": None, "assetClass": item.sec_type,
                "contracts": [{"conid": item.conid, "exchange": item.exchange, "isUS": True}],
            }]
        return json_response(answer)

    async def secdef(self, request: web.Request) -> web.Response:
        """``/trsrv/secdef?conids=...``: definitions of up to 200 conids."""
        raw: object = request.query.get("conids", "")
        if request.method == "POST":
            body = await read_json(request)
            if isinstance(body, dict) and "conids" in body:
                raw = body["conids"]
        items = raw if isinstance(raw, list) else str(raw).split(",")
        conids = [parse_conid(str(item).strip()) for item in items if str(item).strip()]
        if not conids or None in conids:
            raise ApiError(400, "Bad Request: conids must be a list of contract ids")
        if len(conids) > MAX_SECDEF_CONIDS:
            raise ApiError(400, f"Bad Request: at most {MAX_SECDEF_CONIDS} conids per request")
        found = [self._universe.get(conid) for conid in conids if conid is not None]
        return json_response({"secdef": [_secdef_item(item) for item in found if item]})

    async def info(self, request: web.Request) -> web.Response:
        """``/iserver/contract/{conid}/info``: the snake_case contract object."""
        return json_response(_info(self._instrument(request.match_info["conid"])))

    async def info_and_rules(self, request: web.Request) -> web.Response:
        """``/iserver/contract/{conid}/info-and-rules``: info plus simple stock order rules."""
        instrument = self._instrument(request.match_info["conid"])
        is_buy = parse_bool(request.query.get("isBuy"), True) is not False
        return json_response({**_info(instrument), "rules": self._rules(instrument, is_buy)})

    async def rules(self, request: web.Request) -> web.Response:
        """``POST /iserver/contract/rules`` ``{"conid": .., "isBuy": ..}``: the order rules."""
        body = await read_json(request)
        if not isinstance(body, dict) or "conid" not in body:
            raise ApiError(400, "Bad Request: conid required")
        instrument = self._instrument(body["conid"])
        return json_response(self._rules(instrument, parse_bool(body.get("isBuy"), True)
                                         is not False))

    def _rules(self, instrument: Instrument, is_buy: bool) -> dict[str, Any]:
        """IBKR's rules object for a US stock; prices pre-filled at the side's touch."""
        quote = self._market.quote(instrument.conid)
        tick = instrument.tick_size
        touch = quote.bid if is_buy else quote.ask
        return {
            "algoEligible": False, "allOrNoneEligible": True, "costReport": False,
            "orderTypes": _ORDER_TYPES, "orderTypesOutside": ["limit", "stop_limit"],
            "defaultSize": 100, "cashSize": 0.0, "sizeIncrement": 1, "tifTypes": [
                "IOC/MARKET,LIMIT,RELATIVE,MIDPRICE,STOP,STOP_LIMIT,TRAILING_STOP,"
                "TRAILING_STOP_LIMIT,a", "GTC/o,a", "OPG/LIMIT,MARKET,a", "DAY/o,a"],
            "tifDefaults": {"TIF": "DAY", "SIZE": "100.00"},
            "defaultTIF": "DAY", "limitPrice": round(touch, 6),
            "stopprice": round(quote.ask if is_buy else quote.bid, 6), "preview": True,
            "displaySize": "100", "increment": tick,
            "incrementDigits": 2 if tick >= 0.01 else 4,
            "incrementRules": [{"lowerEdge": 0.0, "increment": tick}],
            "hasSecondary": True, "canTradeAcctIds": [], "fraqTypes": [], "cqtTypes": [],
            "forceOrderPreview": False, "negativeCapable": False, "error": None,
        }


def _search_item(item: Instrument) -> dict[str, Any]:
    """One ``/iserver/secdef/search`` result (conid as a string)."""
    return {
        "conid": str(item.conid), "companyHeader": f"{item.name} - {item.exchange}",
        "companyName": item.name, "symbol": item.symbol, "description": item.exchange,
        "restricted": None, "fop": None, "opt": None, "war": None,
        "sections": [{"secType": "STK"}],
    }


def _secdef_item(item: Instrument) -> dict[str, Any]:
    """One ``/trsrv/secdef`` item."""
    return {
        "conid": item.conid, "currency": "USD", "time": 0, "chineseName": None,
        "allExchanges": _VALID_EXCHANGES, "listingExchange": item.exchange, "countryCode": "US",
        "name": item.name, "assetClass": item.sec_type, "expiry": None, "lastTradingDay": None,
        "group": item.category, "putOrCall": None, "sector": item.sector,
        "sectorGroup": item.category, "strike": "0", "ticker": item.symbol, "undConid": 0,
        "multiplier": 0.0, "type": "ETF" if item.kind == "ETF" else "COMMON",
        "hasOptions": True, "fullName": item.symbol, "isUS": True, "isEventContract": False,
        "incrementRules": [{"lowerEdge": 0.0, "increment": item.tick_size}],
        "displayRule": {"magnification": 0, "displayRuleStep": [
            {"decimalDigits": 2 if item.tick_size >= 0.01 else 4, "lowerEdge": 0.0,
             "wholeDigits": 4}]},
    }


def _info(item: Instrument) -> dict[str, Any]:
    """``/iserver/contract/{conid}/info`` (snake_case, as IBKR really answers)."""
    return {
        "cfi_code": "", "symbol": item.symbol, "cusip": None, "expiry_full": None,
        "con_id": item.conid, "maturity_date": None, "industry": item.sector,
        "instrument_type": item.sec_type, "trading_class": "NMS" if item.exchange == "NASDAQ"
        else item.symbol, "valid_exchanges": _VALID_EXCHANGES, "allow_sell_long": False,
        "is_zero_commission_security": False, "local_symbol": item.symbol,
        "contract_clarification_type": None, "classifier": None, "currency": "USD",
        "text": None, "underlying_con_id": 0, "r_t_h": True, "multiplier": None,
        "underlying_issuer": None, "contract_month": None, "company_name": item.name,
        "smart_available": True, "exchange": "SMART", "category": item.category,
        "has_related_contracts": False,
    }

"""The instruments the demo gateway knows: liquid US stocks and ETFs with realistic levels.

Conids of the best-known names are IBKR's real ones (AAPL 265598, IBM 8314, SPY 756733, ...), so
a conid cached against the demo also means the same thing against a real gateway; the others
are stable stand-ins. Prices, volumes and volatilities are plausible levels, not live data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable contract.

    Attributes:
        conid: IBKR contract id.
        symbol: Ticker.
        name: Company / fund name in IBKR's upper-case style.
        exchange: Listing exchange (``NASDAQ``, ``NYSE``, ``ARCA``).
        kind: ``"STK"`` or ``"ETF"`` (both have IBKR asset class / secType ``STK``).
        sector: Broad sector (IBKR ``industry``).
        category: Finer category (IBKR ``category``).
        price: Reference price level the simulation starts from.
        avg_volume: Typical daily volume in shares.
        volatility: Annualised volatility (0.25 = 25 %).
    """

    conid: int
    symbol: str
    name: str
    exchange: str
    kind: str
    sector: str
    category: str
    price: float
    avg_volume: float
    volatility: float

    @property
    def sec_type(self) -> str:
        """IBKR secType / asset class: ETFs are ``STK`` too."""
        return "STK"

    @property
    def listing_exchange(self) -> str:
        """Listing exchange as IBKR spells it in order/position answers."""
        return "NASDAQ.NMS" if self.exchange == "NASDAQ" else self.exchange

    @property
    def tick_size(self) -> float:
        """Minimum price increment (US Reg NMS: a cent above $1, 1/100 cent below)."""
        return 0.01 if self.price >= 1.0 else 0.0001


_T, _F, _H, _C, _E, _I, _X = (
    "Technology", "Financial", "Consumer, Non-cyclical", "Consumer, Cyclical", "Energy",
    "Industrial", "Communications",
)

# conid, symbol, name, exchange, kind, sector, category, price, avg volume, volatility
_ROWS: tuple[tuple[int, str, str, str, str, str, str, float, float, float], ...] = (
    (265598, "AAPL", "APPLE INC", "NASDAQ", "STK", _T, "Computers", 189.60, 55e6, 0.26),
    (272093, "MSFT", "MICROSOFT CORP", "NASDAQ", "STK", _T, "Software", 421.30, 21e6, 0.24),
    (4815747, "NVDA", "NVIDIA CORP", "NASDAQ", "STK", _T, "Semiconductors", 121.40, 250e6, 0.48),
    (208813719, "GOOGL", "ALPHABET INC-CL A", "NASDAQ", "STK", _X, "Internet", 171.20, 26e6, 0.28),
    (208813720, "GOOG", "ALPHABET INC-CL C", "NASDAQ", "STK", _X, "Internet", 172.60, 20e6, 0.28),
    (3691937, "AMZN", "AMAZON.COM INC", "NASDAQ", "STK", _X, "Internet", 186.50, 40e6, 0.32),
    (107113386, "META", "META PLATFORMS INC-CLASS A", "NASDAQ", "STK", _X, "Internet", 502.80,
     15e6, 0.36),
    (76792991, "TSLA", "TESLA INC", "NASDAQ", "STK", _C, "Auto Manufacturers", 248.50, 95e6, 0.58),
    (15124833, "NFLX", "NETFLIX INC", "NASDAQ", "STK", _X, "Internet", 652.10, 3.5e6, 0.38),
    (4391, "AMD", "ADVANCED MICRO DEVICES", "NASDAQ", "STK", _T, "Semiconductors", 158.70, 45e6,
     0.50),
    (270639, "INTC", "INTEL CORP", "NASDAQ", "STK", _T, "Semiconductors", 30.85, 40e6, 0.42),
    (268084, "CSCO", "CISCO SYSTEMS INC", "NASDAQ", "STK", _X, "Telecommunications", 49.72, 18e6,
     0.20),
    (272800, "ORCL", "ORACLE CORP", "NYSE", "STK", _T, "Software", 141.90, 9e6, 0.30),
    (265768, "ADBE", "ADOBE INC", "NASDAQ", "STK", _T, "Software", 521.40, 3e6, 0.34),
    (273544, "QCOM", "QUALCOMM INC", "NASDAQ", "STK", _T, "Semiconductors", 168.30, 8e6, 0.36),
    (313130367, "AVGO", "BROADCOM INC", "NASDAQ", "STK", _T, "Semiconductors", 162.40, 28e6,
     0.42),
    (8314, "IBM", "INTL BUSINESS MACHINES CORP", "NYSE", "STK", _T, "Computers", 182.30, 4e6,
     0.22),
    (41983601, "CRM", "SALESFORCE INC", "NYSE", "STK", _T, "Software", 268.40, 6e6, 0.34),
    (9939, "MU", "MICRON TECHNOLOGY INC", "NASDAQ", "STK", _T, "Semiconductors", 104.20, 22e6,
     0.48),
    (444857009, "PLTR", "PALANTIR TECHNOLOGIES INC-A", "NASDAQ", "STK", _T, "Software", 38.40,
     60e6, 0.62),
    (365207014, "UBER", "UBER TECHNOLOGIES INC", "NYSE", "STK", _I, "Transportation", 72.15, 18e6,
     0.40),
    (199169591, "PYPL", "PAYPAL HOLDINGS INC", "NASDAQ", "STK", _F, "Commercial Services", 68.90,
     14e6, 0.38),
    (481691285, "COIN", "COINBASE GLOBAL INC -CLASS A", "NASDAQ", "STK", _F,
     "Diversified Finan Serv", 214.60, 9e6, 0.75),
    (166090175, "BABA", "ALIBABA GROUP HOLDING-SP ADR", "NYSE", "STK", _X, "Internet", 86.30,
     14e6, 0.40),
    (1520593, "JPM", "JPMORGAN CHASE & CO", "NYSE", "STK", _F, "Banks", 208.70, 9e6, 0.22),
    (10098, "BAC", "BANK OF AMERICA CORP", "NYSE", "STK", _F, "Banks", 39.45, 38e6, 0.26),
    (10375, "WFC", "WELLS FARGO & CO", "NYSE", "STK", _F, "Banks", 58.20, 17e6, 0.28),
    (4627828, "GS", "GOLDMAN SACHS GROUP INC", "NYSE", "STK", _F, "Banks", 471.30, 2.2e6, 0.26),
    (12448, "MS", "MORGAN STANLEY", "NYSE", "STK", _F, "Banks", 101.80, 7e6, 0.26),
    (49462172, "V", "VISA INC-CLASS A SHARES", "NYSE", "STK", _F, "Diversified Finan Serv",
     274.60, 6e6, 0.19),
    (10620, "MA", "MASTERCARD INC - A", "NYSE", "STK", _F, "Diversified Finan Serv", 458.90,
     2.8e6, 0.20),
    (8719, "JNJ", "JOHNSON & JOHNSON", "NYSE", "STK", _H, "Pharmaceuticals", 154.80, 7e6, 0.16),
    (11436, "PFE", "PFIZER INC", "NYSE", "STK", _H, "Pharmaceuticals", 28.35, 35e6, 0.24),
    (13097, "UNH", "UNITEDHEALTH GROUP INC", "NYSE", "STK", _H, "Healthcare-Services", 521.70,
     3.5e6, 0.26),
    (9160, "LLY", "ELI LILLY & CO", "NYSE", "STK", _H, "Pharmaceuticals", 892.40, 3e6, 0.32),
    (13824, "WMT", "WALMART INC", "NYSE", "STK", _C, "Retail", 68.10, 16e6, 0.17),
    (8894, "KO", "COCA-COLA CO/THE", "NYSE", "STK", _H, "Beverages", 62.95, 13e6, 0.14),
    (11017, "PEP", "PEPSICO INC", "NASDAQ", "STK", _H, "Beverages", 170.20, 5.5e6, 0.15),
    (10291, "PG", "PROCTER & GAMBLE CO/THE", "NYSE", "STK", _H, "Cosmetics/Personal Care", 166.40,
     6.5e6, 0.15),
    (9408, "MCD", "MCDONALD'S CORP", "NYSE", "STK", _C, "Retail", 279.50, 3.2e6, 0.18),
    (10333, "NKE", "NIKE INC -CL B", "NYSE", "STK", _C, "Apparel", 91.20, 11e6, 0.30),
    (274105, "SBUX", "STARBUCKS CORP", "NASDAQ", "STK", _C, "Retail", 89.40, 9e6, 0.28),
    (272997, "COST", "COSTCO WHOLESALE CORP", "NASDAQ", "STK", _C, "Retail", 812.30, 2e6, 0.20),
    (6477, "HD", "HOME DEPOT INC", "NYSE", "STK", _C, "Retail", 352.10, 3.5e6, 0.22),
    (6459, "DIS", "WALT DISNEY CO/THE", "NYSE", "STK", _X, "Media", 101.60, 9e6, 0.28),
    (13977, "XOM", "EXXON MOBIL CORP", "NYSE", "STK", _E, "Oil&Gas", 114.80, 16e6, 0.24),
    (5957, "CVX", "CHEVRON CORP", "NYSE", "STK", _E, "Oil&Gas", 156.30, 8e6, 0.24),
    (4762, "BA", "BOEING CO/THE", "NYSE", "STK", _I, "Aerospace/Defense", 182.70, 7e6, 0.38),
    (5437, "CAT", "CATERPILLAR INC", "NYSE", "STK", _I, "Machinery-Constr&Mining", 336.20, 2.6e6,
     0.28),
    (9599491, "F", "FORD MOTOR CO", "NYSE", "STK", _C, "Auto Manufacturers", 12.18, 55e6, 0.36),
    (80986742, "GM", "GENERAL MOTORS CO", "NYSE", "STK", _C, "Auto Manufacturers", 45.60, 13e6,
     0.32),
    (37018770, "T", "AT&T INC", "NYSE", "STK", _X, "Telecommunications", 18.42, 35e6, 0.20),
    (13200, "VZ", "VERIZON COMMUNICATIONS INC", "NYSE", "STK", _X, "Telecommunications", 40.35,
     18e6, 0.18),
    (756733, "SPY", "SPDR S&P 500 ETF TRUST", "ARCA", "ETF", "Funds", "Equity Fund", 548.20, 60e6,
     0.14),
    (320227571, "QQQ", "INVESCO QQQ TRUST SERIES 1", "NASDAQ", "ETF", "Funds", "Equity Fund",
     474.80, 40e6, 0.19),
    (9579970, "IWM", "ISHARES RUSSELL 2000 ETF", "ARCA", "ETF", "Funds", "Equity Fund", 208.30,
     30e6, 0.22),
    (73128548, "DIA", "SPDR DJIA TRUST", "ARCA", "ETF", "Funds", "Equity Fund", 392.60, 3.5e6,
     0.13),
    (51529211, "GLD", "SPDR GOLD SHARES", "ARCA", "ETF", "Funds", "Commodity Fund", 218.90, 8e6,
     0.14),
    (15547841, "TLT", "ISHARES 20+ YEAR TREASURY BD", "NASDAQ", "ETF", "Funds", "Debt Fund",
     92.40, 35e6, 0.16),
    (4215235, "XLF", "FINANCIAL SELECT SECTOR SPDR", "ARCA", "ETF", "Funds", "Equity Fund",
     41.85, 40e6, 0.18),
    (4215217, "XLE", "ENERGY SELECT SECTOR SPDR", "ARCA", "ETF", "Funds", "Equity Fund", 90.40,
     17e6, 0.24),
    (4215220, "XLK", "TECHNOLOGY SELECT SECT SPDR", "ARCA", "ETF", "Funds", "Equity Fund", 221.70,
     7e6, 0.22),
    (27684070, "EEM", "ISHARES MSCI EMERGING MARKET", "ARCA", "ETF", "Funds", "Equity Fund",
     42.30, 28e6, 0.18),
    (12340038, "VTI", "VANGUARD TOTAL STOCK MKT ETF", "ARCA", "ETF", "Funds", "Equity Fund",
     268.90, 3.5e6, 0.15),
    (39622943, "SLV", "ISHARES SILVER TRUST", "ARCA", "ETF", "Funds", "Commodity Fund", 27.30,
     22e6, 0.28),
    (43645865, "HYG", "ISHARES IBOXX HIGH YLD CORP", "ARCA", "ETF", "Funds", "Debt Fund", 77.85,
     30e6, 0.07),
)


class Universe:
    """Lookup of the demo instruments by conid and symbol, plus the search IBKR offers."""

    def __init__(self, instruments: tuple[Instrument, ...] | None = None) -> None:
        items = instruments if instruments is not None else default_instruments()
        self._by_conid = {item.conid: item for item in items}
        self._by_symbol = {item.symbol: item for item in items}

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_conid.values())

    def __len__(self) -> int:
        return len(self._by_conid)

    @property
    def conids(self) -> tuple[int, ...]:
        """Every conid, in a stable order (the simulation iterates in this order)."""
        return tuple(self._by_conid)

    def get(self, conid: int) -> Instrument | None:
        """The instrument with ``conid``, or None."""
        return self._by_conid.get(conid)

    def by_symbol(self, symbol: str) -> Instrument | None:
        """Exact, case-sensitive symbol lookup (``/trsrv/stocks`` is upper-case sensitive)."""
        return self._by_symbol.get(symbol)

    def search(self, text: str, by_name: bool = False) -> list[Instrument]:
        """Matches for a search box: exact symbol first, then symbol prefixes, then names.

        With ``by_name`` (IBKR's ``name=true``) the text is matched against company names only.
        """
        needle = text.strip().upper()
        if not needle:
            return []
        if by_name:
            return [item for item in self if needle in item.name]
        exact = [item for item in self if item.symbol == needle]
        prefix = [item for item in self if item.symbol.startswith(needle) and item not in exact]
        named = [
            item for item in self
            if needle in item.name and item not in exact and item not in prefix
        ]
        return exact + sorted(prefix, key=lambda item: item.symbol) + named


def default_instruments() -> tuple[Instrument, ...]:
    """The built-in instrument list."""
    return tuple(Instrument(*row) for row in _ROWS)


SYNTHETIC_CONID_BASE = 900_000_000
"""Conids of made-up instruments start here (no real IBKR conid is this large a stand-in)."""


def with_synthetic(instruments: tuple[Instrument, ...], count: int) -> tuple[Instrument, ...]:
    """``instruments`` filled up to ``count`` with made-up stocks (``SYN001``...), for load tests.

    Each copies the level, volume and volatility of a built-in instrument (round robin), so
    the simulated market moves them alike.
    """
    extra = []
    for index in range(max(0, count - len(instruments))):
        model = instruments[index % len(instruments)]
        extra.append(Instrument(SYNTHETIC_CONID_BASE + index, f"SYN{index + 1:03d}",
                                f"SYNTHETIC {index + 1:03d} CORP", model.exchange, model.kind,
                                model.sector, model.category, model.price, model.avg_volume,
                                model.volatility))
    return instruments + tuple(extra)

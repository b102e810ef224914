"""The paper broker: orders, fills, costs, accounts and risk as plain Python over numpy. No Django.

Live paper portfolios and backtests both use it, one closed bar at a time:

- `orders`: the Order dataclass, bracket orders (entry, stop, targets as one-cancels-other), and
  validation that refuses a bad order with a message per field (`OrderRejected`).
- `costs`: spread, slippage, commission per venue, forex swap, and the fill policy.
- `matching`: which orders fill on one closed bar and at what price (`orders_match`).
- `fx`: converting an amount between currencies with the closes of FX pairs.
- `accounts`: positions, cash and the one-portfolio step over a closed bar (`book_on_bars`).
- `valuation`: mark-to-market of many portfolios at once on flat arrays.
- `risk`: exposure by asset class and currency, VaR/CVaR, drawdown, Sharpe/Sortino, Kelly.
- `circuit_breakers`: daily loss, open positions and correlation-cluster limits that block new
  orders with a reason (`OrderBlocked`), and `orders_submit` (validate, then the breakers).

A live service loads the open orders of an instrument (all portfolios) when its bar closes, calls
`orders_match`, books each portfolio's fills, and stores the orders back (their state fields
included); a backtest calls `book_on_bars` for each bar of its history.

Units everywhere: quantities in units (shares, coins, base-currency units; a forex lot is
`InstrumentSpec.lot_size` units), prices in the instrument's quote currency, money of the account
in the account's currency, times in epoch seconds (UTC). Bars are mid prices: a buy trades at the
ask (mid + half the spread), a sell at the bid.
"""

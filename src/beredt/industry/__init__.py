"""Health-industry indicators (DESIGN.md §4): exports and imports by commodity group against a
growth target, exports by destination, self-sufficiency in essential medicines, and the reader for
Statistics Norway's external-trade tables (JSON-stat 2.0). See ``docs/industry.md``.
"""

from beredt.industry.groups import CommodityGroup, CommodityGroups, load_groups, parse_groups
from beredt.industry.indicators import (
    IndustryIndicators,
    SelfSufficiency,
    TargetProgress,
    annual_trade,
    cagr,
    exports_by_destination,
    growth_against_target,
    industry_figures,
    industry_indicators,
    report_tables,
    required_cagr,
    self_sufficiency,
    trade_by_group,
)
from beredt.industry.jsonstat import (
    Dimension,
    JsonStatDataset,
    parse_jsonstat,
    parse_jsonstat_text,
    read_jsonstat,
)
from beredt.industry.query import TradeQuery, parse_years, trade_query
from beredt.industry.ssb import TradeImport, is_trade_table, read_trade_file, trade_rows

__all__ = [
    "CommodityGroup",
    "CommodityGroups",
    "Dimension",
    "IndustryIndicators",
    "JsonStatDataset",
    "SelfSufficiency",
    "TargetProgress",
    "TradeImport",
    "TradeQuery",
    "annual_trade",
    "cagr",
    "exports_by_destination",
    "growth_against_target",
    "industry_figures",
    "industry_indicators",
    "is_trade_table",
    "load_groups",
    "parse_groups",
    "parse_jsonstat",
    "parse_jsonstat_text",
    "parse_years",
    "read_jsonstat",
    "read_trade_file",
    "report_tables",
    "required_cagr",
    "self_sufficiency",
    "trade_by_group",
    "trade_query",
    "trade_rows",
]

"""The research export's columns and their data dictionary (数据字典), Chinese and English. Pure."""
from __future__ import annotations

# (column, type, 中文说明, English description); the data file's columns, in this order
COLUMNS = (
    ("pseudonym", "string", "案件化名：本次导出随机生成的密钥对案件编号做 HMAC-SHA256，密钥不保存，两次导出的化名无法关联",
     "Case pseudonym: HMAC-SHA256 of the case id under a random key drawn for this export and never stored; "
     "two exports cannot be joined on it"),
    ("age_band", "string", "立案时债务人年龄段（5、10、20 岁一档，* 为不公开，未知为无出生年份）",
     "Debtor's age band at opening (5, 10 or 20 years wide; * undisclosed; 未知 no birth year)"),
    ("region_code", "string", "债务人所在地区 GB/T 2260 代码，泛化至区县、地市或省级（以 00 或 0000 结尾），* 为不公开",
     "Debtor's region, GB/T 2260 code generalised to county, city (ends 00) or province (ends 0000); * undisclosed"),
    ("region_name", "string", "上述地区的名称（全国 为不公开）", "Name of that region (全国 when undisclosed)"),
    ("amount_band", "string", "诉请金额区间（元，本金+利息+罚息，含下限不含上限），* 为不公开",
     "Amount claimed, in yuan (principal + interest + penalty), band [low, high); * undisclosed"),
    ("opened_period", "string", "立案时间，泛化至月（2026-09）、季度（2026Q3）或年（2026），* 为不公开",
     "When the case opened, generalised to month (2026-09), quarter (2026Q3) or year (2026); * undisclosed"),
    ("route", "string", "分流路径（人民调解、法院调解、困难救助等），空为未分流",
     "Triage route (people's mediation, court mediation, relief, ...); empty if not triaged"),
    ("path", "string", "案件依次经过的阶段，以 > 分隔（见 docs/lifecycle.md）",
     "Stages the case went through, in order, separated by > (see docs/lifecycle.md)"),
    ("path_days", "string", "在上列各阶段停留的整天数，以 > 分隔；最后一段尚未结束时为空",
     "Whole days spent in each of those stages, separated by >; empty for a stay not yet ended"),
    ("final_stage", "string", "导出时案件所处阶段", "The case's stage at export"),
    ("closed", "int", "是否已结案（1 是，0 否）", "Whether the case is closed (1 yes, 0 no)"),
    ("close_reason", "string", "结案原因（还清、履行完毕、撤回、异议成立、终结执行、信用修复等），未结案为空",
     "Why the case closed (PAID_OFF, PERFORMED, WITHDRAWN, OBJECTION_UPHELD, ENFORCEMENT_TERMINATED, CREDIT_REPAIRED, "
     "...); empty while open"),
    ("reject_reason", "string", "不予受理的首要原因代码，受理的为空", "First reason code triage rejected the case for; empty if accepted"),
    ("days_to_close", "int", "立案至结案的整天数，未结案为空", "Whole days from opening to closing; empty while open"),
    ("recovered_pct", "int", "已回收金额占诉请金额的百分比，向下取整到 5%，最高 100",
     "Amount recovered as a share of the claim, per cent, rounded down to 5, at most 100"),
    ("objection", "int", "债务人是否提出过异议（1 是，0 否）", "Whether the debtor filed an objection (1 yes, 0 no)"),
    ("cross_region", "int", "分流时是否认定为跨地区案件（1 是，0 否）", "Whether triage found the case cross-region (1 yes, 0 no)"),
)
NAMES = tuple(c[0] for c in COLUMNS)
HEADER = ("column", "type", "说明", "description")

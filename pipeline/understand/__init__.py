"""公文 understanding: text in, 公文 elements and the office's decisions out.

    from pipeline.understand import understand, load_rules
    result = understand(text, settings)            # rules from <data_dir>/rules.toml or defaults
    result.doc_type, result.doc_number, result.route, result.why_route, result.checks ...

The decisions (business areas, routing, deadlines by urgency, retention) are data in
``rules.toml``; see that file for every key.
"""

from pipeline.understand.core import understand
from pipeline.understand.docnumber import canonical as canonical_doc_number
from pipeline.understand.model import Understanding
from pipeline.understand.rules import Rules, load_rules, parse_rules

__all__ = ["Understanding", "Rules", "understand", "load_rules", "parse_rules", "canonical_doc_number"]

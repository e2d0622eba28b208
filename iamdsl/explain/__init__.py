"""Rendering decisions for people and programs: text, JSON and graph paths.

Stage: explain (the last arrow of design.md §5: trace -> rendering).  The
engine decides and returns data (`Decision`, `VerbDecision`, `Trace`); this
package turns that data into words and never decides anything itself.
Nothing here prints: every function returns a string or a dict.

- `names.py`      ARNs and account IDs back to the DSL names a person wrote
- `conditions.py` conditions in plain words and in IAM form
- `phrases.py`    policy labels and grantees in words
- `path.py`       the decision's graph path (`A.repo --Allow--> B.root --x--> B.OtherRole`)
- `text.py`       the answer as text, in `full`, `summary` or `denies` mode
- `json_output.py` the answer as JSON, schema `iamdsl/decision/v1` (docs/json.md)
- `fixes.py`      the least-privilege changes that would allow a denied request
"""

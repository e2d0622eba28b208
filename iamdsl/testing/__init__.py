"""Test support: the one generator of synthetic models, and the scenario schema.

`write_org`, `org_files` and `org_text` write large synthetic organizations
(benchmarks, stress tests), `write_scale_org` the graph benchmarks' one;
`iamdsl.testing.strategies.models()` draws small ones for hypothesis from
the same building blocks.  The strategies module is
not imported here, because hypothesis is a test dependency only.
"""

from iamdsl.testing.generator import org_files, org_text, scale_org_files, write_org, write_scale_org

__all__ = ["org_files", "org_text", "scale_org_files", "write_org", "write_scale_org"]

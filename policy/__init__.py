"""The policy scan in one package: findings accepted in code, the exceptions file, the scan.

- `accept_finding(resource, check_id, reason)`: used by constructs next to the resource;
- `write_exceptions(app)`: used by main.py after synthesis (cdktf.out/policy-exceptions.json);
- `python -m policy cdktf.out` (`make policy`) and the tests: `scan(outdir)` runs checkov and
  holds its failures against the acceptances.

The scan module is imported on demand (`policy.scan`), so constructs do not load it.
"""

from policy.acceptances import (
    EXCEPTIONS_FILE,
    AcceptedFinding,
    accept_finding,
    collect_accepted_findings,
    write_exceptions,
)

__all__ = [
    "EXCEPTIONS_FILE",
    "AcceptedFinding",
    "accept_finding",
    "collect_accepted_findings",
    "write_exceptions",
]

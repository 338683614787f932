"""`python -m policy <cdktf.out>` (make policy): the checkov scan of a synth output folder, then
the deployment rules over every environment in it."""

import sys

from policy import deployment_rules
from policy.scan import main

status = main(sys.argv[1:])
if status != 2:
    from pathlib import Path

    status = max(status, deployment_rules.main(Path(sys.argv[1])))
sys.exit(status)

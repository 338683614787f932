"""`python -m policy <cdktf.out>`: the checkov scan of a synth output folder (make policy)."""

import sys

from policy.scan import main

sys.exit(main(sys.argv[1:]))

"""`make bench`: synthesis and test speed as ratios measured side by side (see __main__)."""

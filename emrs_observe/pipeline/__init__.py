"""The scheduled lineage processor: source objects → engine → sink, with a checkpoint."""

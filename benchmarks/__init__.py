"""dualdiff's benchmark suite: six workloads, the hand-written limits and the peers.

Run ``python -m benchmarks`` (``--help`` for the options). Figures are ratios
to the hand-written limit measured in the same run; see docs/performance.md.
"""

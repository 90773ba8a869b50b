"""Tools the command line ships that are not the app itself: the synthetic graph generator
(``histkg synth``, for benchmarks and scale tests)."""

"""D. Around an input: one figure, drawn from the cached images and maps it reads (the functions of
underhood/around_input_plot.py, one per figure)."""
import argparse

from underhood import around_input_plot as plot
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("figure", choices=list(plot.FIGURES))
p.add_argument("output")
p.add_argument("--cache", nargs="+", required=True, help="the cached files the figure reads, in its order")
p.add_argument("--title", required=True)
a = p.parse_args()

plot.draw(plot.FIGURES[a.figure], a.cache, a.title, a.output)

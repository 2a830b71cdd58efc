"""The use cases: one function per thing a user does, shared by every interface (DESIGN.md §1).

:func:`beredt.app.pipeline.run_pipeline` is ``beredt run``: every analysis on a dataset bundle,
then ``report.html`` (self-contained, bokmål and English), ``report.xlsx`` (one sheet per
section), ``results.json`` (byte-identical for one seed) and ``run.json`` (timings).
"""

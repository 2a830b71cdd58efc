"""The report files of ``beredt run`` (issue 8): the self-contained HTML page, the workbook and
the JSON documents, rendered from the section objects of :mod:`beredt.views`.

The run itself is a use case, :func:`beredt.app.pipeline.run_pipeline`; see ``docs/report.md``.
"""
